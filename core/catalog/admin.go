package catalog

import "context"

// Admin is what operators put on sale with.
type Admin struct {
	store Store
}

// AddPerformance puts a performance on sale.
func (a *Admin) AddPerformance(ctx context.Context, p Performance) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return a.store.AddPerformance(ctx, p)
}
