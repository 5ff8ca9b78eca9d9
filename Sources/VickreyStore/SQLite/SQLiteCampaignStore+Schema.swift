import Foundation
import GRDB

extension SQLiteCampaignStore {
    /// Versioned, append-only migrations: a shipped migration is never edited; a change
    /// is a new migration.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: advertisers, campaigns, creatives, targeting") { db in
            try db.execute(
                sql: """
                    CREATE TABLE store_revision (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        revision INTEGER NOT NULL
                    );
                    INSERT INTO store_revision (id, revision) VALUES (1, 0);

                    CREATE TABLE advertiser (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
                        name TEXT NOT NULL CHECK (length(name) <= 256),
                        created_at TEXT NOT NULL
                    );

                    -- Money in integer micros; times as RFC 3339 UTC text; hours of the week as
                    -- ranges like '8-22,32-46' (0 = Monday 00:00 in the campaign's time zone).
                    CREATE TABLE campaign (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
                        advertiser_id TEXT NOT NULL REFERENCES advertiser(id),
                        name TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
                        pricing TEXT NOT NULL CHECK (pricing IN ('cpm', 'cpc')),
                        bid_micros INTEGER NOT NULL CHECK (bid_micros > 0),
                        predicted_ctr_ppm INTEGER CHECK (predicted_ctr_ppm BETWEEN 1 AND 1000000),
                        daily_budget_micros INTEGER CHECK (daily_budget_micros >= 0),
                        total_budget_micros INTEGER NOT NULL CHECK (total_budget_micros >= 0),
                        start_at TEXT,
                        end_at TEXT,
                        time_zone TEXT NOT NULL,
                        pacing TEXT NOT NULL CHECK (pacing IN ('asap', 'even')),
                        frequency_cap_impressions INTEGER CHECK (frequency_cap_impressions > 0),
                        frequency_cap_window_seconds INTEGER CHECK (frequency_cap_window_seconds > 0),
                        hours_of_week TEXT NOT NULL DEFAULT '',
                        exclude_hours_of_week TEXT NOT NULL DEFAULT '',
                        revision INTEGER NOT NULL,
                        updated_at TEXT NOT NULL,
                        CHECK ((frequency_cap_impressions IS NULL) = (frequency_cap_window_seconds IS NULL)),
                        CHECK ((pricing = 'cpc') = (predicted_ctr_ppm IS NOT NULL))
                    );
                    CREATE INDEX campaign_by_revision ON campaign(revision);
                    CREATE INDEX campaign_by_advertiser ON campaign(advertiser_id);

                    -- One row per targeted value: which campaigns include or exclude what.
                    CREATE TABLE campaign_targeting (
                        campaign_id TEXT NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
                        dimension TEXT NOT NULL CHECK (dimension IN ('placement', 'country', 'device', 'os', 'keyword')),
                        mode TEXT NOT NULL CHECK (mode IN ('include', 'exclude')),
                        value TEXT NOT NULL,
                        PRIMARY KEY (campaign_id, dimension, mode, value)
                    ) WITHOUT ROWID;

                    -- Creatives in serving order; adomain is space-separated.
                    CREATE TABLE creative (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
                        campaign_id TEXT NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        size TEXT NOT NULL,
                        image_url TEXT NOT NULL,
                        click_url TEXT NOT NULL,
                        adomain TEXT NOT NULL DEFAULT '',
                        UNIQUE (campaign_id, position)
                    );
                    """)
        }
        migrator.registerMigration("v2: frequency caps may refuse anonymous requests") { db in
            try db.execute(
                sql: """
                    ALTER TABLE campaign ADD COLUMN frequency_cap_refuse_anonymous INTEGER NOT NULL DEFAULT 0
                        CHECK (frequency_cap_refuse_anonymous IN (0, 1))
                    """)
        }
        migrator.registerMigration("v3: signed ledger") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ledger (
                        seq INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL CHECK (kind IN ('impression', 'click')),
                        billed INTEGER NOT NULL CHECK (billed IN (0, 1)),
                        reason TEXT,
                        impression_id TEXT NOT NULL,
                        request_id TEXT NOT NULL,
                        campaign_id TEXT NOT NULL,
                        advertiser_id TEXT NOT NULL,
                        creative_id TEXT NOT NULL,
                        placement_id TEXT NOT NULL,
                        pricing TEXT NOT NULL,
                        clearing_ecpm_micros INTEGER NOT NULL,
                        charge_nanos INTEGER NOT NULL CHECK (charge_nanos >= 0),
                        event_time_ms INTEGER NOT NULL,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL,
                        kid TEXT NOT NULL,
                        sig TEXT NOT NULL,
                        UNIQUE (kind, impression_id)
                    );
                    CREATE INDEX ledger_event_time ON ledger (event_time_ms);
                    CREATE INDEX ledger_campaign ON ledger (campaign_id, billed);
                    CREATE TRIGGER ledger_is_append_only_update BEFORE UPDATE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    CREATE TRIGGER ledger_is_append_only_delete BEFORE DELETE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    """)
        }
        migrator.registerMigration("v4: ledger records may name their chain") { db in
            // Always NULL in a SQLite file (one server's chain); there for the shared record format.
            try db.execute(sql: "ALTER TABLE ledger ADD COLUMN server_id TEXT CHECK (server_id IS NULL)")
        }
        migrator.registerMigration("v5: experiments") { db in
            try db.execute(
                sql: """
                    -- The experiment arm an ad was sold under (all three NULL outside experiments).
                    ALTER TABLE ledger ADD COLUMN experiment TEXT;
                    ALTER TABLE ledger ADD COLUMN arm TEXT;
                    ALTER TABLE ledger ADD COLUMN unit_bucket INTEGER;
                    CREATE INDEX ledger_by_experiment ON ledger (experiment, arm, unit_bucket) WHERE experiment IS NOT NULL;

                    CREATE TABLE experiment (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
                        status TEXT NOT NULL CHECK (status IN ('running', 'stopped')),
                        placements TEXT NOT NULL DEFAULT '',
                        created_at_ms INTEGER NOT NULL,
                        stopped_at_ms INTEGER
                    );
                    CREATE TABLE experiment_arm (
                        experiment_id TEXT NOT NULL REFERENCES experiment(id),
                        position INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        weight INTEGER NOT NULL CHECK (weight > 0),
                        minimum_floor_micros INTEGER CHECK (minimum_floor_micros >= 0),
                        increment_micros INTEGER CHECK (increment_micros >= 0),
                        floor_multiplier_ppm INTEGER CHECK (floor_multiplier_ppm >= 0),
                        PRIMARY KEY (experiment_id, position),
                        UNIQUE (experiment_id, name)
                    );
                    -- Placement auctions and fills per arm and bucket, added to by every flush.
                    CREATE TABLE experiment_tally (
                        experiment_id TEXT NOT NULL,
                        arm TEXT NOT NULL,
                        bucket INTEGER NOT NULL,
                        auctions INTEGER NOT NULL CHECK (auctions >= 0),
                        fills INTEGER NOT NULL CHECK (fills >= 0),
                        PRIMARY KEY (experiment_id, arm, bucket)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v6: API keys") { db in
            try db.execute(
                sql: """
                    -- Only the SHA-256 of each key's secret is kept; the key is shown once.
                    CREATE TABLE api_key (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 16),
                        role TEXT NOT NULL CHECK (role IN ('admin', 'advertiser', 'billing')),
                        advertiser_id TEXT REFERENCES advertiser(id),
                        label TEXT NOT NULL DEFAULT '',
                        secret_hash TEXT NOT NULL CHECK (length(secret_hash) = 64),
                        created_at_ms INTEGER NOT NULL,
                        revoked_at_ms INTEGER,
                        CHECK ((role = 'advertiser') = (advertiser_id IS NOT NULL))
                    );
                    """)
        }
        migrator.registerMigration("v7: campaign deals") { db in
            // Deals as `id` or `id:floor_micros`, comma-separated ('' for none).
            try db.execute(sql: "ALTER TABLE campaign ADD COLUMN deals TEXT NOT NULL DEFAULT ''")
        }
        // SQLite cannot change a CHECK or a UNIQUE constraint in place: both tables are
        // rebuilt (SQLite's documented twelve steps; foreign keys checked once at the end)
        // with their rows and rowids as they are, so every record keeps its exact bytes.
        migrator.registerMigration("v8: vCPM, viewable and video event kinds, prefetches recorded apart", foreignKeyChecks: .deferred) {
            db in
            try db.execute(
                sql: """
                    CREATE TABLE campaign_v8 (
                        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
                        advertiser_id TEXT NOT NULL REFERENCES advertiser(id),
                        name TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
                        pricing TEXT NOT NULL CHECK (pricing IN ('cpm', 'cpc', 'vcpm', 'cpcv')),
                        bid_micros INTEGER NOT NULL CHECK (bid_micros > 0),
                        predicted_ctr_ppm INTEGER CHECK (predicted_ctr_ppm BETWEEN 1 AND 1000000),
                        daily_budget_micros INTEGER CHECK (daily_budget_micros >= 0),
                        total_budget_micros INTEGER NOT NULL CHECK (total_budget_micros >= 0),
                        start_at TEXT,
                        end_at TEXT,
                        time_zone TEXT NOT NULL,
                        pacing TEXT NOT NULL CHECK (pacing IN ('asap', 'even')),
                        frequency_cap_impressions INTEGER CHECK (frequency_cap_impressions > 0),
                        frequency_cap_window_seconds INTEGER CHECK (frequency_cap_window_seconds > 0),
                        hours_of_week TEXT NOT NULL DEFAULT '',
                        exclude_hours_of_week TEXT NOT NULL DEFAULT '',
                        revision INTEGER NOT NULL,
                        updated_at TEXT NOT NULL,
                        frequency_cap_refuse_anonymous INTEGER NOT NULL DEFAULT 0 CHECK (frequency_cap_refuse_anonymous IN (0, 1)),
                        deals TEXT NOT NULL DEFAULT '',
                        predicted_viewability_ppm INTEGER CHECK (predicted_viewability_ppm BETWEEN 1 AND 1000000),
                        CHECK ((frequency_cap_impressions IS NULL) = (frequency_cap_window_seconds IS NULL)),
                        CHECK ((pricing = 'cpc') = (predicted_ctr_ppm IS NOT NULL)),
                        CHECK ((pricing = 'vcpm') = (predicted_viewability_ppm IS NOT NULL))
                    );
                    INSERT INTO campaign_v8 (
                        id, advertiser_id, name, status, pricing, bid_micros, predicted_ctr_ppm, daily_budget_micros,
                        total_budget_micros, start_at, end_at, time_zone, pacing, frequency_cap_impressions,
                        frequency_cap_window_seconds, hours_of_week, exclude_hours_of_week, revision, updated_at,
                        frequency_cap_refuse_anonymous, deals)
                    SELECT id, advertiser_id, name, status, pricing, bid_micros, predicted_ctr_ppm, daily_budget_micros,
                        total_budget_micros, start_at, end_at, time_zone, pacing, frequency_cap_impressions,
                        frequency_cap_window_seconds, hours_of_week, exclude_hours_of_week, revision, updated_at,
                        frequency_cap_refuse_anonymous, deals
                    FROM campaign;
                    DROP TABLE campaign;
                    ALTER TABLE campaign_v8 RENAME TO campaign;
                    CREATE INDEX campaign_by_revision ON campaign(revision);
                    CREATE INDEX campaign_by_advertiser ON campaign(advertiser_id);

                    -- An event is recorded once per kind and impression id; a prefetch (an
                    -- unbilled ivt_prefetch record) apart, so that the render after it is counted.
                    CREATE TABLE ledger_v8 (
                        seq INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL CHECK (kind IN ('impression', 'click', 'viewable', 'start', 'first_quartile', 'midpoint',
                                                           'third_quartile', 'complete', 'error')),
                        billed INTEGER NOT NULL CHECK (billed IN (0, 1)),
                        reason TEXT,
                        impression_id TEXT NOT NULL,
                        request_id TEXT NOT NULL,
                        campaign_id TEXT NOT NULL,
                        advertiser_id TEXT NOT NULL,
                        creative_id TEXT NOT NULL,
                        placement_id TEXT NOT NULL,
                        pricing TEXT NOT NULL,
                        clearing_ecpm_micros INTEGER NOT NULL,
                        charge_nanos INTEGER NOT NULL CHECK (charge_nanos >= 0),
                        event_time_ms INTEGER NOT NULL,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL,
                        kid TEXT NOT NULL,
                        sig TEXT NOT NULL,
                        server_id TEXT CHECK (server_id IS NULL),
                        experiment TEXT,
                        arm TEXT,
                        unit_bucket INTEGER,
                        prefetch INTEGER GENERATED ALWAYS AS (reason IS 'ivt_prefetch') VIRTUAL,
                        UNIQUE (kind, impression_id, prefetch)
                    );
                    INSERT INTO ledger_v8 (
                        seq, kind, billed, reason, impression_id, request_id, campaign_id, advertiser_id, creative_id, placement_id,
                        pricing, clearing_ecpm_micros, charge_nanos, event_time_ms, prev_hash, hash, kid, sig, server_id, experiment,
                        arm, unit_bucket)
                    SELECT seq, kind, billed, reason, impression_id, request_id, campaign_id, advertiser_id, creative_id, placement_id,
                        pricing, clearing_ecpm_micros, charge_nanos, event_time_ms, prev_hash, hash, kid, sig, server_id, experiment,
                        arm, unit_bucket
                    FROM ledger ORDER BY seq;
                    DROP TABLE ledger;
                    ALTER TABLE ledger_v8 RENAME TO ledger;
                    CREATE INDEX ledger_event_time ON ledger (event_time_ms);
                    CREATE INDEX ledger_campaign ON ledger (campaign_id, billed);
                    CREATE INDEX ledger_by_experiment ON ledger (experiment, arm, unit_bucket) WHERE experiment IS NOT NULL;
                    CREATE TRIGGER ledger_is_append_only_update BEFORE UPDATE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    CREATE TRIGGER ledger_is_append_only_delete BEFORE DELETE ON ledger
                        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                    """)
        }
        migrator.registerMigration("v9: video and native creatives, CPCV") { db in
            try db.execute(
                sql: """
                    ALTER TABLE campaign ADD COLUMN predicted_completion_ppm INTEGER
                        CHECK (predicted_completion_ppm BETWEEN 1 AND 1000000);
                    ALTER TABLE creative ADD COLUMN format TEXT NOT NULL DEFAULT 'banner'
                        CHECK (format IN ('banner', 'video', 'native'));
                    -- A video's or native creative's own fields as campaign JSON; NULL for a banner.
                    ALTER TABLE creative ADD COLUMN details TEXT CHECK ((format = 'banner') = (details IS NULL));
                    """)
        }
        migrator.registerMigration("v10: line items") { db in
            try db.execute(
                sql: """
                    -- The campaign JSON's delivery, exclusion_labels and roadblock; NULL for a plain auction campaign.
                    ALTER TABLE campaign ADD COLUMN line_item TEXT;
                    -- A standard line item's goal at its booked rate, when below its total budget.
                    ALTER TABLE campaign ADD COLUMN spend_cap_nanos INTEGER CHECK (spend_cap_nanos >= 0);
                    """)
        }
        migrator.registerMigration("v11: audit log") { db in
            try db.execute(
                sql: """
                    -- Every change made through the admin API, the console or adctl: who (a key id, cli or
                    -- server), when, what, and the thing before and after (JSON); appended in the change's
                    -- own transaction, never changed.
                    CREATE TABLE audit_log (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at_ms INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        action TEXT NOT NULL,
                        campaign_id TEXT,
                        subject TEXT NOT NULL,
                        before_json TEXT,
                        after_json TEXT
                    );
                    CREATE INDEX audit_log_by_campaign ON audit_log (campaign_id, id) WHERE campaign_id IS NOT NULL;
                    """)
        }
        return migrator
    }

    /// Creates the file at `path` migrated up to and including `lastMigration` only.
    static func migrate(path: String, upTo lastMigration: String) throws {
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: path)
        try migrator.migrate(queue, upTo: lastMigration)
        try queue.close()
    }

    /// The migrations applied to this database, oldest first.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try read { db in try Self.migrator.appliedMigrations(db) }
    }
}
