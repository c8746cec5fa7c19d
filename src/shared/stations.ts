/**
 * Stations whose markets HELIOS watches. The time zone decides the partition date: a market on
 * "highest temperature in NYC today" resolves on KLGA's local calendar day.
 */
export interface Station {
  id: string;
  name: string;
  timeZone: string;
}

const STATIONS: Record<string, Station> = {
  KLGA: { id: 'KLGA', name: 'New York LaGuardia', timeZone: 'America/New_York' },
  KNYC: { id: 'KNYC', name: 'New York Central Park', timeZone: 'America/New_York' },
  KORD: { id: 'KORD', name: "Chicago O'Hare", timeZone: 'America/Chicago' },
  KMIA: { id: 'KMIA', name: 'Miami International', timeZone: 'America/New_York' },
  KDAL: { id: 'KDAL', name: 'Dallas Love Field', timeZone: 'America/Chicago' },
  KSEA: { id: 'KSEA', name: 'Seattle-Tacoma', timeZone: 'America/Los_Angeles' },
  KATL: { id: 'KATL', name: 'Atlanta Hartsfield', timeZone: 'America/New_York' },
  EGLC: { id: 'EGLC', name: 'London City', timeZone: 'Europe/London' },
};

/** The station recorded, simulated and served when none is named (the desktop app records it live). */
export const DEFAULT_STATION = 'KLGA';

export const STATION_ID_PATTERN = /^[A-Z0-9]{3,5}$/;

export function getStation(id: string): Station {
  const station = STATIONS[id];
  if (!station) {
    throw new Error(
      `unknown station "${id}" (known: ${Object.keys(STATIONS).join(', ')}); add it to src/shared/stations.ts with its IANA time zone`,
    );
  }
  return station;
}

export function knownStations(): Station[] {
  return Object.values(STATIONS);
}
