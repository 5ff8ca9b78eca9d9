import VickreyCore

/// The experiment JSON of `adctl experiment create FILE` and `show --json`:
///
/// ```json
/// {"id": "floors-q4", "status": "running", "unit": "user", "placements": ["home_feed"],
///  "arms": [{"name": "control", "weight": 50},
///           {"name": "high-floor", "weight": 50, "minimum_floor_micros": 500000,
///            "increment_micros": 20000, "floor_multiplier_ppm": 1200000}]}
/// ```
///
/// Read strictly: unknown fields, wrong types and out-of-range values are refused with
/// the field's path. `status` may only be `running` on creation; `unit` only `user` (a
/// request without a user id is assigned by its request id).
public enum ExperimentDocument {
    public static let maximumBytes = 64 * 1024

    /// Parses one experiment, validated; throws naming the field at fault.
    public static func parse(_ bytes: [UInt8]) throws(FieldError) -> Experiment {
        guard bytes.count <= maximumBytes else { throw FieldError(field: nil, message: "at most \(maximumBytes) bytes") }
        var reader = JSONReader(bytes)
        var id: ExperimentID?
        var placements: [PlacementID] = []
        var arms: [ExperimentArm] = []
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "id":
                let text = try reader.readString(maximumBytes: 256)
                do throws(IdentifierError) { id = try ExperimentID(validating: text) } catch { throw reader.fieldError(error.description) }
            case "status":
                let status = try reader.readString(maximumBytes: 64)
                guard status == ExperimentStatus.running.rawValue else {
                    throw reader.fieldError("an experiment is created running (stop it with `adctl experiment stop`), not '\(status)'")
                }
            case "unit":
                let unit = try reader.readString(maximumBytes: 64)
                guard unit == "user" else { throw reader.fieldError("must be user (requests without a user id split by request id)") }
            case "placements":
                if try reader.readNull() { return }
                try reader.readArray(maximumCount: Experiment.maximumPlacements) { reader, _ throws(FieldError) in
                    let text = try reader.readString(maximumBytes: 256)
                    do throws(IdentifierError) { placements.append(try PlacementID(validating: text)) } catch {
                        throw reader.fieldError(error.description)
                    }
                }
            case "arms":
                try reader.readArray(maximumCount: Experiment.maximumArms) { reader, _ throws(FieldError) in
                    arms.append(try readArm(&reader))
                }
            default:
                throw reader.fieldError("is not an experiment field")
            }
        }
        try reader.expectEnd()
        guard let id else { throw FieldError(field: "id", message: "missing") }
        let experiment = Experiment(id: id, placements: placements, arms: arms)
        if let (field, message) = experiment.validate() { throw FieldError(field: field, message: message) }
        return experiment
    }

    private static func readArm(_ reader: inout JSONReader) throws(FieldError) -> ExperimentArm {
        var name: ArmName?
        var weight: Int64?
        var arm = ExperimentArm(name: ArmName(unchecked: "-"), weight: 1)
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "name":
                let text = try reader.readString(maximumBytes: 256)
                do throws(IdentifierError) { name = try ArmName(validating: text) } catch { throw reader.fieldError(error.description) }
            case "weight": weight = try reader.readInteger()
            case "minimum_floor_micros": arm.minimumFloor = try reader.readNull() ? nil : Micros(try reader.readInteger())
            case "increment_micros": arm.increment = try reader.readNull() ? nil : Micros(try reader.readInteger())
            case "floor_multiplier_ppm": arm.floorMultiplierPPM = try reader.readNull() ? nil : try reader.readInteger()
            default: throw reader.fieldError("is not an arm field")
            }
        }
        guard let name else { throw reader.fieldError("name", "missing") }
        guard let weight else { throw reader.fieldError("weight", "missing") }
        arm.name = name
        arm.weight = weight
        return arm
    }

    /// One experiment as a JSON object on one line, in the shape `parse` reads (with its status).
    public static func json(_ experiment: Experiment) -> String {
        var out = JSONWriter()
        write(experiment, into: &out)
        return out.text
    }

    /// Writes the experiment's object; `extra` adds members after its own (the admin
    /// API's times).
    public static func write(_ experiment: Experiment, into out: inout JSONWriter, extra: (inout JSONWriter) -> Void = { _ in }) {
        out.beginObject()
        out.field("id", experiment.id.rawValue)
        out.field("status", experiment.status.rawValue)
        out.field("unit", "user")
        out.key("placements")
        out.stringArray(experiment.placements.map(\.rawValue))
        out.key("arms")
        out.beginArray()
        for arm in experiment.arms {
            out.beginObject()
            out.field("name", arm.name.rawValue)
            out.field("weight", arm.weight)
            if let floor = arm.minimumFloor { out.field("minimum_floor_micros", floor.value) }
            if let increment = arm.increment { out.field("increment_micros", increment.value) }
            if let multiplier = arm.floorMultiplierPPM { out.field("floor_multiplier_ppm", multiplier) }
            out.endObject()
        }
        out.endArray()
        extra(&out)
        out.endObject()
    }
}
