import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema as versioned, append-only migrations (a shipped migration is
/// never edited; a change is a new one), the same tables and rules as the SQLite file's
/// with PostgreSQL's types. Applied under an advisory lock, so servers starting together
/// migrate once.
enum PostgresSchema {
    static let migrations: [(name: String, sql: [String])] = [
        (
            "v1: advertisers, campaigns, creatives, targeting, ledger chains",
            [
                """
                CREATE TABLE store_revision (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    revision BIGINT NOT NULL
                )
                """,
                "INSERT INTO store_revision (id, revision) VALUES (1, 0)",
                """
                CREATE TABLE advertiser (
                    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
                    name TEXT NOT NULL CHECK (octet_length(name) <= 256),
                    created_at TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE campaign (
                    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
                    advertiser_id TEXT NOT NULL REFERENCES advertiser(id),
                    name TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'archived')),
                    pricing TEXT NOT NULL CHECK (pricing IN ('cpm', 'cpc')),
                    bid_micros BIGINT NOT NULL CHECK (bid_micros > 0),
                    predicted_ctr_ppm BIGINT CHECK (predicted_ctr_ppm BETWEEN 1 AND 1000000),
                    daily_budget_micros BIGINT CHECK (daily_budget_micros >= 0),
                    total_budget_micros BIGINT NOT NULL CHECK (total_budget_micros >= 0),
                    start_at TEXT,
                    end_at TEXT,
                    time_zone TEXT NOT NULL,
                    pacing TEXT NOT NULL CHECK (pacing IN ('asap', 'even')),
                    frequency_cap_impressions BIGINT CHECK (frequency_cap_impressions > 0),
                    frequency_cap_window_seconds BIGINT CHECK (frequency_cap_window_seconds > 0),
                    frequency_cap_refuse_anonymous BOOLEAN NOT NULL DEFAULT false,
                    hours_of_week TEXT NOT NULL DEFAULT '',
                    exclude_hours_of_week TEXT NOT NULL DEFAULT '',
                    revision BIGINT NOT NULL,
                    updated_at TEXT NOT NULL,
                    CHECK ((frequency_cap_impressions IS NULL) = (frequency_cap_window_seconds IS NULL)),
                    CHECK ((pricing = 'cpc') = (predicted_ctr_ppm IS NOT NULL))
                )
                """,
                "CREATE INDEX campaign_by_revision ON campaign (revision)",
                "CREATE INDEX campaign_by_advertiser ON campaign (advertiser_id)",
                """
                CREATE TABLE campaign_targeting (
                    campaign_id TEXT NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
                    dimension TEXT NOT NULL CHECK (dimension IN ('placement', 'country', 'device', 'os', 'keyword')),
                    mode TEXT NOT NULL CHECK (mode IN ('include', 'exclude')),
                    value TEXT NOT NULL,
                    PRIMARY KEY (campaign_id, dimension, mode, value)
                )
                """,
                """
                CREATE TABLE creative (
                    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
                    campaign_id TEXT NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
                    position BIGINT NOT NULL,
                    size TEXT NOT NULL,
                    image_url TEXT NOT NULL,
                    click_url TEXT NOT NULL,
                    adomain TEXT NOT NULL DEFAULT '',
                    UNIQUE (campaign_id, position)
                )
                """,
                "CREATE INDEX creative_by_campaign ON creative (campaign_id)",
                // One chain per server: (server_id, seq) is the record's place; (kind,
                // impression_id) is unique across every chain, so an event is billed at most
                // once fleet-wide whichever server records it first. request_id is bytes:
                // a client may send any character, NUL included, which text cannot hold.
                """
                CREATE TABLE ledger (
                    server_id TEXT NOT NULL,
                    seq BIGINT NOT NULL CHECK (seq >= 1),
                    kind TEXT NOT NULL CHECK (kind IN ('impression', 'click')),
                    billed BOOLEAN NOT NULL,
                    reason TEXT,
                    impression_id TEXT NOT NULL,
                    request_id BYTEA NOT NULL,
                    campaign_id TEXT NOT NULL,
                    advertiser_id TEXT NOT NULL,
                    creative_id TEXT NOT NULL,
                    placement_id TEXT NOT NULL,
                    pricing TEXT NOT NULL,
                    clearing_ecpm_micros BIGINT NOT NULL,
                    charge_nanos BIGINT NOT NULL CHECK (charge_nanos >= 0),
                    event_time_ms BIGINT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    kid TEXT NOT NULL,
                    sig TEXT NOT NULL,
                    PRIMARY KEY (server_id, seq),
                    UNIQUE (kind, impression_id)
                )
                """,
                "CREATE INDEX ledger_event_time ON ledger (event_time_ms)",
                "CREATE INDEX ledger_campaign ON ledger (campaign_id, billed)",
                """
                CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $$
                """,
                """
                CREATE TRIGGER ledger_is_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger
                    FOR EACH STATEMENT EXECUTE FUNCTION ledger_is_append_only()
                """,
            ]
        ),
        (
            "v2: fleet token secrets and the public keys of every chain",
            [
                // Beacon tokens are MACed under keys derived from these, shared by the fleet.
                """
                CREATE TABLE fleet_token_secret (
                    id TEXT PRIMARY KEY,
                    secret BYTEA NOT NULL CHECK (octet_length(secret) = 32),
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """,
                // Every key that has signed, or may sign, a chain: what JWKS and verify use.
                """
                CREATE TABLE ledger_key (
                    kid TEXT PRIMARY KEY,
                    public_key BYTEA NOT NULL CHECK (octet_length(public_key) = 32),
                    server_id TEXT NOT NULL,
                    registered_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """,
            ]
        ),
        (
            "v3: budget pools and leases",
            [
                // One row per budget of a campaign: period -1 is the lifetime budget, else a
                // budget day (days since 1970-01-01 in the campaign's zone). committed is
                // what the ledger held when the pool started plus every lease's spend and
                // unspent remainder; a grant never takes it above the budget.
                """
                CREATE TABLE budget_pool (
                    campaign_id TEXT NOT NULL,
                    period BIGINT NOT NULL CHECK (period >= -1),
                    committed_nanos BIGINT NOT NULL CHECK (committed_nanos >= 0),
                    spent_before_nanos BIGINT NOT NULL CHECK (spent_before_nanos >= 0),
                    PRIMARY KEY (campaign_id, period)
                )
                """,
                // What each server may still spend from a pool (zero once handed back or
                // reaped) and what it has spent from it.
                """
                CREATE TABLE budget_lease (
                    campaign_id TEXT NOT NULL,
                    period BIGINT NOT NULL,
                    server_id TEXT NOT NULL,
                    remaining_nanos BIGINT NOT NULL CHECK (remaining_nanos >= 0),
                    spent_nanos BIGINT NOT NULL DEFAULT 0 CHECK (spent_nanos >= 0),
                    PRIMARY KEY (campaign_id, period, server_id),
                    FOREIGN KEY (campaign_id, period) REFERENCES budget_pool (campaign_id, period) ON DELETE CASCADE
                )
                """,
                "CREATE INDEX budget_lease_by_server ON budget_lease (server_id)",
                // A server's leases live while it renews this row (every settle): one row
                // per server, so renewing never touches, or locks, the leases themselves.
                """
                CREATE TABLE lease_holder (
                    server_id TEXT PRIMARY KEY,
                    expires_at_ms BIGINT NOT NULL
                )
                """,
                // A pool starts from the ledger's billed charges for its campaign (and day).
                "CREATE INDEX ledger_billed_by_campaign ON ledger (campaign_id, event_time_ms) WHERE billed",
                // Reservations to release: an ad won on one server, its beacon recorded by
                // another; the winner reads these at its next settle and lets go.
                """
                CREATE TABLE reservation_release (
                    id BIGSERIAL PRIMARY KEY,
                    campaign_id TEXT NOT NULL,
                    reservation_id BIGINT NOT NULL,
                    server_id TEXT NOT NULL,
                    recorded_at_ms BIGINT NOT NULL
                )
                """,
                "CREATE INDEX reservation_release_by_time ON reservation_release (recorded_at_ms)",
            ]
        ),
        (
            "v4: experiments",
            [
                "ALTER TABLE ledger ADD COLUMN experiment TEXT",
                "ALTER TABLE ledger ADD COLUMN arm TEXT",
                "ALTER TABLE ledger ADD COLUMN unit_bucket BIGINT",
                "CREATE INDEX ledger_by_experiment ON ledger (experiment, arm, unit_bucket) WHERE experiment IS NOT NULL",
                """
                CREATE TABLE experiment (
                    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
                    status TEXT NOT NULL CHECK (status IN ('running', 'stopped')),
                    placements TEXT NOT NULL DEFAULT '',
                    created_at_ms BIGINT NOT NULL,
                    stopped_at_ms BIGINT
                )
                """,
                """
                CREATE TABLE experiment_arm (
                    experiment_id TEXT NOT NULL REFERENCES experiment(id),
                    position BIGINT NOT NULL,
                    name TEXT NOT NULL,
                    weight BIGINT NOT NULL CHECK (weight > 0),
                    minimum_floor_micros BIGINT CHECK (minimum_floor_micros >= 0),
                    increment_micros BIGINT CHECK (increment_micros >= 0),
                    floor_multiplier_ppm BIGINT CHECK (floor_multiplier_ppm >= 0),
                    PRIMARY KEY (experiment_id, position),
                    UNIQUE (experiment_id, name)
                )
                """,
                // Placement auctions and fills per arm and bucket, added to by every flush.
                """
                CREATE TABLE experiment_tally (
                    experiment_id TEXT NOT NULL,
                    arm TEXT NOT NULL,
                    bucket BIGINT NOT NULL,
                    auctions BIGINT NOT NULL CHECK (auctions >= 0),
                    fills BIGINT NOT NULL CHECK (fills >= 0),
                    PRIMARY KEY (experiment_id, arm, bucket)
                )
                """,
            ]
        ),
        (
            "v5: API keys",
            [
                // Only the SHA-256 of each key's secret is kept; the key is shown once.
                """
                CREATE TABLE api_key (
                    id TEXT PRIMARY KEY CHECK (length(id) = 16),
                    role TEXT NOT NULL CHECK (role IN ('admin', 'advertiser', 'billing')),
                    advertiser_id TEXT REFERENCES advertiser(id),
                    label TEXT NOT NULL DEFAULT '',
                    secret_hash TEXT NOT NULL CHECK (length(secret_hash) = 64),
                    created_at_ms BIGINT NOT NULL,
                    revoked_at_ms BIGINT,
                    CHECK ((role = 'advertiser') = (advertiser_id IS NOT NULL))
                )
                """
            ]
        ),
        (
            "v6: campaign deals",
            // Deals as `id` or `id:floor_micros`, comma-separated ('' for none).
            ["ALTER TABLE campaign ADD COLUMN deals TEXT NOT NULL DEFAULT ''"]
        ),
        (
            "v7: vCPM, viewable and video event kinds, prefetches recorded apart",
            [
                // The constraints being replaced were named by PostgreSQL: found by what they check.
                """
                DO $$ DECLARE c record; BEGIN
                    FOR c IN SELECT conname, conrelid::regclass AS relation FROM pg_constraint
                        WHERE (conrelid = 'campaign'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%pricing%')
                           OR (conrelid = 'ledger'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%kind%')
                           OR (conrelid = 'ledger'::regclass AND contype = 'u' AND pg_get_constraintdef(oid) LIKE '%impression_id%')
                    LOOP
                        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.relation, c.conname);
                    END LOOP;
                END $$
                """,
                """
                ALTER TABLE campaign
                    ADD COLUMN predicted_viewability_ppm BIGINT CHECK (predicted_viewability_ppm BETWEEN 1 AND 1000000),
                    ADD CONSTRAINT campaign_pricing CHECK (pricing IN ('cpm', 'cpc', 'vcpm', 'cpcv')),
                    ADD CONSTRAINT campaign_ctr_prior CHECK ((pricing = 'cpc') = (predicted_ctr_ppm IS NOT NULL)),
                    ADD CONSTRAINT campaign_viewability_prior CHECK ((pricing = 'vcpm') = (predicted_viewability_ppm IS NOT NULL))
                """,
                // An event is recorded once per kind and impression id fleet-wide; a prefetch
                // (an unbilled ivt_prefetch record) apart, so that the render after it is counted.
                """
                ALTER TABLE ledger
                    ADD CONSTRAINT ledger_kind CHECK (kind IN ('impression', 'click', 'viewable', 'start', 'first_quartile', 'midpoint',
                                                               'third_quartile', 'complete', 'error')),
                    ADD COLUMN prefetch BOOLEAN GENERATED ALWAYS AS (reason IS NOT DISTINCT FROM 'ivt_prefetch') STORED
                """,
                "ALTER TABLE ledger ADD CONSTRAINT ledger_event_once UNIQUE (kind, impression_id, prefetch)",
            ]
        ),
        (
            "v8: video and native creatives, CPCV",
            [
                """
                ALTER TABLE campaign
                    ADD COLUMN predicted_completion_ppm BIGINT CHECK (predicted_completion_ppm BETWEEN 1 AND 1000000),
                    ADD CONSTRAINT campaign_completion_prior CHECK ((pricing = 'cpcv') = (predicted_completion_ppm IS NOT NULL))
                """,
                // A video's or native creative's own fields as campaign JSON; NULL for a banner.
                """
                ALTER TABLE creative
                    ADD COLUMN format TEXT NOT NULL DEFAULT 'banner' CHECK (format IN ('banner', 'video', 'native')),
                    ADD COLUMN details TEXT,
                    ADD CONSTRAINT creative_details CHECK ((format = 'banner') = (details IS NULL))
                """,
            ]
        ),
        (
            "v9: line items",
            [
                // The campaign JSON's delivery, exclusion_labels and roadblock; NULL for a plain
                // auction campaign. A standard line item's goal at its booked rate, when below its
                // total budget: what the lease SQL lets the fleet spend (`PostgresLeaseSQL.lifetimeNanos`).
                """
                ALTER TABLE campaign
                    ADD COLUMN line_item TEXT,
                    ADD COLUMN spend_cap_nanos BIGINT CHECK (spend_cap_nanos >= 0)
                """
            ]
        ),
        (
            "v10: audit log",
            [
                // Every change made through the admin API, the console or adctl: who (a key id, cli
                // or server), when, what, and the thing before and after (JSON); appended in the
                // change's own transaction, never changed.
                """
                CREATE TABLE audit_log (
                    id BIGSERIAL PRIMARY KEY,
                    at_ms BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    campaign_id TEXT,
                    subject TEXT NOT NULL,
                    before_json TEXT,
                    after_json TEXT
                )
                """,
                "CREATE INDEX audit_log_by_campaign ON audit_log (campaign_id, id) WHERE campaign_id IS NOT NULL",
            ]
        ),
    ]

    /// A key for `pg_advisory_xact_lock` that only Vickrey's migrations take.
    static let migrationLock: Int64 = 0x5669_636b_7265_7901

    /// Applies every migration this version has that the database has not; `upTo` stops
    /// after the one of that name (tests build a database as an earlier version left it).
    static func migrate(_ database: PostgresDatabase, upTo last: String? = nil) async throws {
        let logger = database.logger
        try await database.client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            let applied = Set(try await connection.all("SELECT name FROM schema_migrations", as: String.self, logger: logger))
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.sql { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(migration.name))", logger: logger)
                if migration.name == last { break }
            }
        }
    }

    /// The migrations applied to the database, oldest first.
    static func applied(_ database: PostgresDatabase) async throws(StoreError) -> [String] {
        // Migrations applied together share a time: within one, the list's order (not the
        // names', which would put "v10" before "v2").
        let position = Dictionary(uniqueKeysWithValues: migrations.enumerated().map { ($0.element.name, $0.offset) })
        return try await database.transaction { connection in
            try await connection.all(
                "SELECT name, applied_at FROM schema_migrations", as: (String, Date).self, logger: database.logger
            ).sorted { ($0.1, position[$0.0] ?? .max) < ($1.1, position[$1.0] ?? .max) }.map(\.0)
        }
    }
}
