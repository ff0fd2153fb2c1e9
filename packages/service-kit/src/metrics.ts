// A small Prometheus registry rendering the text exposition format 0.0.4. Names use base units,
// counters end in `_total`; gauges that are cheaper to compute than to track take a collect
// callback that runs on every scrape.

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Readonly<Record<string, string | number>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class MetricError extends Error {
  override readonly name = "MetricError";
  readonly code = "EMETRIC";
}

abstract class Metric {
  protected readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new MetricError(`bad metric name ${JSON.stringify(name)}`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__")) {
        throw new MetricError(`bad label name ${JSON.stringify(label)} on ${name}`);
      }
    }
  }

  abstract readonly type: "counter" | "gauge";

  protected key(labels: Labels): string {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || !this.labelNames.every((l) => l in labels)) {
      throw new MetricError(
        `${this.name} takes labels {${this.labelNames.join(",")}}, got {${given.join(",")}}`,
      );
    }
    // NUL cannot appear in a rendered label value's key collision-free otherwise; cheaper than JSON.
    return this.labelNames.map((l) => String(labels[l])).join("\u0000");
  }

  protected add(labels: Labels, by: number): void {
    const key = this.key(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  /** Runs before rendering; gauges with a collect callback refresh here. */
  collect(): void {}

  render(): string {
    this.collect();
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    if (this.values.size === 0 && this.labelNames.length === 0) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.values.values()) {
      lines.push(`${this.name}${renderLabels(this.labelNames, labels)} ${renderValue(value)}`);
    }
    return lines.join("\n");
  }
}

export class Counter extends Metric {
  readonly type = "counter";

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new MetricError(`${this.name}: a counter only goes up (inc by ${by})`);
    this.add(labels, by);
  }
}

export type GaugeCollect = (gauge: Gauge) => void;

export class Gauge extends Metric {
  readonly type = "gauge";

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly onCollect?: GaugeCollect,
  ) {
    super(name, help, labelNames);
  }

  set(value: number, labels: Labels = {}): void {
    const key = this.key(labels);
    this.values.set(key, { labels, value });
  }

  inc(labels: Labels = {}, by = 1): void {
    this.add(labels, by);
  }

  override collect(): void {
    if (!this.onCollect) return;
    // Computed gauges start empty on every scrape, so label sets that vanished (a dead domain)
    // vanish from the output too.
    this.values.clear();
    this.onCollect(this);
  }
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    if (!name.endsWith("_total")) throw new MetricError(`counter ${name} must end in _total`);
    return this.register(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: GaugeCollect): Gauge {
    return this.register(new Gauge(name, help, labelNames, collect));
  }

  render(): string {
    return `${[...this.metrics.values()].map((m) => m.render()).join("\n")}\n`;
  }

  private register<M extends Metric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new MetricError(`metric ${metric.name} is already registered`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function renderLabels(names: readonly string[], labels: Labels): string {
  if (names.length === 0) return "";
  return `{${names.map((n) => `${n}="${escapeLabelValue(String(labels[n]))}"`).join(",")}}`;
}

function renderValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
