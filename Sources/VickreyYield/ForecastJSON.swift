import VickreyCore
import VickreyWire

/// A forecast as JSON: what `adctl forecast --json` prints and `POST /v1/admin/forecasts` answers.
public enum ForecastJSON {
    public static func write(_ forecast: Forecast, _ question: ForecastQuestion, into out: inout JSONWriter) {
        out.object { out in
            out.field("campaign_id", question.proposed.id.rawValue)
            out.field("type", question.proposed.lineItem.delivery.name)
            out.field("from", question.from.rfc3339)
            out.field("to", question.to.rfc3339)
            out.field("goal", question.proposed.lineItem.goal)
            out.field("matched", forecast.matched)
            out.field("available", forecast.available)
            out.field("low", forecast.low)
            out.field("high", forecast.high)
            out.field("history_weeks", forecast.historyWeeks)
            out.field("projected_samples", forecast.projectedSamples)
            out.key("contenders")
            out.array { out in
                for contender in forecast.contenders {
                    out.object { out in
                        out.field("campaign_id", contender.campaignID.rawValue)
                        out.field("type", contender.type)
                        out.field("takes", contender.takes)
                    }
                }
            }
            out.key("warnings")
            out.stringArray(forecast.warnings)
        }
    }
}
