-- Whether a seat can be held at p_now (catalog.Claim.AvailableAt): free, or held past its claim
-- (lazy expiry). The one statement of the rule in SQL: hold_seat, hold_order and the catalog's
-- queries ask it, and the planner inlines it, so each reads as the expression it is.
CREATE OR REPLACE FUNCTION seat_free(p_status text, p_held_until timestamptz, p_now timestamptz)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_status = 'available' OR (p_status = 'held' AND p_held_until <= p_now)
$$;

-- Every change of what a sale offers (the sale, its performances, their sections) notifies
-- channel boxoffice_catalog with the sale's id, from any instance or from SQL by hand, so the
-- instances that keep offers in process (adapters/postgres, offerCache) drop that sale's. The
-- notification is sent when the change commits; seats are not offers and notify nothing.
CREATE OR REPLACE FUNCTION notify_catalog_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_row record;
BEGIN
    IF TG_OP = 'DELETE' THEN v_row := OLD; ELSE v_row := NEW; END IF;
    IF TG_TABLE_NAME = 'sales' THEN
        PERFORM pg_notify('boxoffice_catalog', v_row.id);
    ELSE
        PERFORM pg_notify('boxoffice_catalog', v_row.sale_id);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER sales_notify_catalog_change AFTER INSERT OR UPDATE OR DELETE ON sales
    FOR EACH ROW EXECUTE FUNCTION notify_catalog_change();
CREATE OR REPLACE TRIGGER performances_notify_catalog_change AFTER INSERT OR UPDATE OR DELETE ON performances
    FOR EACH ROW EXECUTE FUNCTION notify_catalog_change();
CREATE OR REPLACE TRIGGER sections_notify_catalog_change AFTER INSERT OR UPDATE OR DELETE ON sections
    FOR EACH ROW EXECUTE FUNCTION notify_catalog_change();
