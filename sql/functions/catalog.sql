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
