package telemetry

import (
	"context"
	"net/http"
	"os"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Tracing exports OpenTelemetry traces over OTLP (HTTP): from each API request through the
// Temporal client, the workflow and its activities (the SDK's tracing interceptor carries the
// context across) to each database query.
type Tracing struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
}

// TracingConfigured reports whether the environment names an OTLP endpoint for traces.
func TracingConfigured() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// StartTracing starts exporting to the endpoint OTEL_EXPORTER_OTLP_ENDPOINT names (the
// exporter reads the OTEL_EXPORTER_OTLP_* settings itself, the SDK OTEL_TRACES_SAMPLER and
// OTEL_SERVICE_NAME, boxoffice by default), from a process in role (dev, serve, api, worker).
func StartTracing(ctx context.Context, role string) (*Tracing, error) {
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res, err := resource.New(ctx, resource.WithAttributes(semconv.ServiceName("boxoffice"), attribute.String("boxoffice.role", role)),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, err
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return &Tracing{provider: provider, tracer: provider.Tracer("github.com/boxoffice/boxoffice")}, nil
}

// HTTP traces each request of next, named by its route template once the router has matched
// it (GET /api/tickets/{ticket_id}, not the ticket's id). The API is public: a caller's
// traceparent is linked, not continued, so no fan joins or samples our traces.
func (t *Tracing) HTTP(next http.Handler) http.Handler {
	return otelhttp.NewHandler(next, "boxoffice", otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithPublicEndpointFn(func(*http.Request) bool { return true }))
}

// Temporal is the interceptor that traces the Temporal client's calls, and the workflows and
// activities of the workers built on that client.
func (t *Tracing) Temporal() (interceptor.ClientInterceptor, error) {
	return opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{Tracer: t.provider.Tracer("temporal-sdk-go")})
}

// Database traces each query of a pgx connection.
func (t *Tracing) Database() pgx.QueryTracer { return queryTracer{t.tracer} }

// Shutdown sends what is still buffered and stops.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.provider.Shutdown(ctx) }

type queryTracer struct{ tracer trace.Tracer }

// TraceQueryStart starts a query's span within the trace of its caller; a query outside any
// trace (the sweep's, a batch of last-seen times) starts none, or every
// background round would be a trace of its own.
func (q queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return ctx
	}
	ctx, _ = q.tracer.Start(ctx, "postgres query", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(semconv.DBSystemNamePostgreSQL, semconv.DBQueryText(data.SQL)))
	return ctx
}

func (q queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return // started none (no trace), or one not sampled
	}
	if data.Err != nil {
		span.RecordError(data.Err)
		span.SetStatus(codes.Error, data.Err.Error())
	}
	span.End()
}
