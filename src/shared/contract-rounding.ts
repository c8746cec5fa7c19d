/**
 * docs/spec.md §6: the temperature as the market's resolution source reports it — whole °F, from the most
 * precise Celsius value available. Integer arithmetic on tenths of °C so that half-way cases
 * (e.g. 27.5 °F) are decided exactly, not by binary floating error.
 */
export type RoundingMode = 'half_away_from_zero' | 'half_even' | 'half_up' | 'floor';

export function celsiusToFahrenheit(c: number): number {
  return (c * 9) / 5 + 32;
}

export function judgeAlignedTemp(tempC: number, mode: RoundingMode = 'half_away_from_zero'): number {
  const tenths = Math.round(tempC * 10);
  const hundredthsF = tenths * 18 + 3200; // °F × 100, exact
  const whole = Math.trunc(hundredthsF / 100);
  const rest = hundredthsF - whole * 100; // in (-100, 100), same sign as hundredthsF
  switch (mode) {
    case 'floor':
      return Math.floor(hundredthsF / 100);
    case 'half_up':
      return Math.floor((hundredthsF + 50) / 100);
    case 'half_even': {
      if (Math.abs(rest) !== 50) return Math.abs(rest) > 50 ? whole + Math.sign(rest) : whole;
      return whole % 2 === 0 ? whole : whole + Math.sign(rest);
    }
    case 'half_away_from_zero':
      return Math.abs(rest) >= 50 ? whole + Math.sign(rest) : whole;
  }
}
