import type { Attributes, Tracer } from '@opentelemetry/api';
import type { Spans, SpanAttributes } from '../../engine/ports.js';
import { optionalPackage } from '../../stores/optional-package.js';
import { VERSION } from '../../version.js';

const NEEDED = 'Tracing (OTEL_EXPORTER_OTLP_ENDPOINT)';

/**
 * OpenTelemetry traces over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, the exporter reading its usual `OTEL_*`
 * settings; null otherwise, and then none of OpenTelemetry is loaded.
 */
export function startTracing(env: NodeJS.ProcessEnv): Spans | null {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return null;
  const api = optionalPackage<typeof import('@opentelemetry/api')>('@opentelemetry/api', NEEDED);
  const sdk = optionalPackage<typeof import('@opentelemetry/sdk-trace')>(
    '@opentelemetry/sdk-trace',
    NEEDED,
  );
  const { OTLPTraceExporter } = optionalPackage<
    typeof import('@opentelemetry/exporter-trace-otlp-http')
  >('@opentelemetry/exporter-trace-otlp-http', NEEDED);
  // As the specification says: the traces endpoint as it is, or /v1/traces on the general one.
  const url =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/+$/, '')}/v1/traces`;
  const provider = new sdk.TracerProvider({
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) })],
  });
  // A collector that is down costs the traces, never the work.
  return otelSpans(provider.getTracer('authsync', VERSION), api.SpanStatusCode.ERROR, () =>
    provider.forceFlush().catch(() => {}),
  );
}

function otelSpans(tracer: Tracer, errorCode: number, flush: () => Promise<void>): Spans {
  const attrs = (a: SpanAttributes) => a as Attributes;
  return {
    span(name, attributes, work) {
      return tracer.startActiveSpan(name, { attributes: attrs(attributes) }, async (span) => {
        try {
          return await work((more) => span.setAttributes(attrs(more)));
        } catch (error) {
          span.setStatus({ code: errorCode, message: (error as Error).message });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    record(name, attributes, startMs, durationMs, error) {
      const span = tracer.startSpan(name, { attributes: attrs(attributes), startTime: startMs });
      if (error) span.setStatus({ code: errorCode, message: error });
      span.end(startMs + durationMs);
    },
    flush,
  };
}
