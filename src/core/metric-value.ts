/**
 * A JSON value as the report carries it (metrics, the redacted config):
 * shared by configuration and the result model without either importing
 * the other.
 */
export type MetricValue =
  number | string | boolean | null | MetricValue[] | { [key: string]: MetricValue }
