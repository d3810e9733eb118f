package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"time"
)

// healthzBody is /healthz's answer, encoded once: the probe load balancers send most often.
var healthzBody = []byte(`{"status":"ok"}` + "\n")

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header()["Content-Type"] = []string{"application/json"}
	_, _ = w.Write(healthzBody)
}

// readyz runs every readiness check with a short deadline and reports each by name.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	names := make([]string, 0, len(s.Ready))
	for name := range s.Ready {
		names = append(names, name)
	}
	sort.Strings(names)
	status, checks := http.StatusOK, map[string]string{}
	for _, name := range names {
		if err := s.Ready[name](ctx); err != nil {
			status, checks[name] = http.StatusServiceUnavailable, "unreachable: "+err.Error()
			continue
		}
		checks[name] = "ok"
	}
	writeJSON(w, status, map[string]any{"ready": status == http.StatusOK, "checks": checks})
}

func (s *server) jwks(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	set := s.Tokens.JWKS()
	if s.Tickets != nil {
		set.Keys = append(set.Keys, s.Tickets.JWK())
	}
	writeJSON(w, http.StatusOK, set)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
