package main

import (
	"flag"
	"time"

	"github.com/boxoffice/boxoffice/internal/sandbox"
)

func bindSpawnFlags(o *sandbox.Options) {
	flag.IntVar(&o.Instances, "spawn", 0, "start this many API instances and one worker on loopback (instead of -targets)")
	flag.StringVar(&o.Binary, "boxoffice", "bin/boxoffice", "with -spawn: the boxoffice binary (make build)")
	flag.StringVar(&o.AdminURL, "database-url", sandbox.DefaultAdminURL(),
		"with -spawn: PostgreSQL admin URL; the rush creates its own database there ($BOXOFFICE_TEST_DATABASE_URL)")
	flag.StringVar(&o.TemporalCLI, "temporal-cli", sandbox.DefaultTemporalCLI(), "with -spawn: the temporal CLI ($TEMPORAL_CLI)")
	flag.DurationVar(&o.HoldTTL, "hold-ttl", 5*time.Second, "with -spawn: hold time, short so that unpaid holds expire during the rush")
	flag.DurationVar(&o.SessionTTL, "session-ttl", 2*time.Minute, "with -spawn: how long an admitted fan may book")
	flag.IntVar(&o.AdmitRate, "admit-rate", 100, "with -spawn: fans admitted per second")
	flag.IntVar(&o.MaxActive, "max-active", 500, "with -spawn: ceiling on admitted fans")
	flag.IntVar(&o.Seats, "seats", 50, "with -spawn: seats per date (3 dates)")
	flag.BoolVar(&o.Keep, "keep", false, "with -spawn: keep the rush's database afterwards")
}
