package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/boxoffice/boxoffice/adapters/postgres"
	"github.com/boxoffice/boxoffice/core"
	"github.com/boxoffice/boxoffice/core/catalog"
)

// runMigrate applies the embedded migrations to DATABASE_URL, and with --demo loads the demo concert.
func runMigrate(ctx context.Context, args []string) error {
	var demo bool
	var seats int
	c, err := parseFlags("migrate", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&demo, "demo", false, "also load the demo concert (3 dates)")
		fs.IntVar(&seats, "demo-seats", catalog.DefaultSeatsPerPerformance, "seats per demo date")
	})
	if err != nil {
		return err
	}
	if c.DatabaseURL == "" {
		return fmt.Errorf("migrate needs DATABASE_URL (or --database-url)")
	}
	pool, err := postgres.Connect(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := postgres.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Printf("applied %d migration(s)\n", n)
	if demo {
		if seats < 1 || seats > 100_000 {
			return fmt.Errorf("--demo-seats must be 1 to 100000")
		}
		perfs, err := loadDemo(ctx, postgres.NewStore(pool), core.DateOf(core.SystemClock{}.Now()), seats)
		if err != nil {
			return err
		}
		fmt.Printf("demo concert on sale: %s, %s, %s, %d seats each\n", perfs[0].Date, perfs[1].Date, perfs[2].Date, seats)
	}
	return nil
}
