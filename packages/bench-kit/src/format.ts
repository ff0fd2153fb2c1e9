/** Three significant figures, without exponent notation for the sizes benches produce. */
export function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString("en-US");
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1 || magnitude === 0) return value.toFixed(2);
  return value.toPrecision(3);
}

export function formatRatio(ratio: number): string {
  return `${formatNumber(ratio)}×`;
}
