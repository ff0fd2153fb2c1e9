export { type CalibrateOptions, type Calibration, calibrate } from "./calibrate.js";
export { BenchKitError, type BenchKitErrorCode } from "./errors.js";
export { formatNumber, formatRatio } from "./format.js";
export {
  type Benchmark,
  type Measurement,
  type MeasureOptions,
  measure,
  type RepeatContext,
  type RepeatWork,
} from "./measure.js";
export {
  type Bar,
  type BarPanel,
  colours,
  type LineChart,
  niceCeiling,
  renderBarPanels,
  renderLineChart,
  type Series,
} from "./plots.js";
export { type SuiteReport, type WrittenReport, writeReport } from "./report.js";
export {
  CALIBRATION_REFS,
  type CalibrationRef,
  type EvaluatedRow,
  evaluate,
  type Metric,
  type ResultRow,
  rowOf,
  type SuiteResults,
  type Target,
} from "./rows.js";
export { type Latency, latency, median, percentile, quantile, type Spread, spread } from "./stats.js";
export { renderSvg } from "./svg.js";
export { formatTable } from "./table.js";
