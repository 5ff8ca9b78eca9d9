/// The viewability measurement every ad carries, written once and used twice: inline in
/// an OpenRTB banner's `adm`, and in the web tag pages load (`GET /v1/tag.js`,
/// `examples/web/`). It fires an ad's viewable URL once, when at least half of the ad's
/// pixels have been in the viewport of a visible page for one continuous second (the MRC
/// display rule), using only `IntersectionObserver` and the page's visibility state: no
/// external resource, no cookie. A page that cannot measure (no `IntersectionObserver`)
/// fires nothing.
public enum ViewabilityScript {
    /// `vickreyMeasure(element, viewableURL)`: starts measuring `element`; safe to call
    /// again for the same element (it measures once).
    public static let function = """
        function vickreyMeasure(el, url) {
          if (!el || !url || el.__vickreyMeasured || !("IntersectionObserver" in window)) return;
          el.__vickreyMeasured = true;
          var ratio = 0, timer = null, fired = false;
          function stop() { if (timer) { clearTimeout(timer); timer = null; } }
          function fire() {
            if (fired || ratio < 0.5 || document.visibilityState !== "visible") return;
            fired = true; stop(); observer.disconnect();
            document.removeEventListener("visibilitychange", check);
            (new Image()).src = url;
          }
          function check() {
            if (fired) return;
            if (ratio >= 0.5 && document.visibilityState === "visible") { if (!timer) timer = setTimeout(fire, 1000); }
            else stop();
          }
          var observer = new IntersectionObserver(function (entries) {
            ratio = entries[entries.length - 1].intersectionRatio; check();
          }, { threshold: [0, 0.25, 0.5, 0.75, 1] });
          observer.observe(el);
          document.addEventListener("visibilitychange", check);
        }
        """

    /// A `<script>` measuring the element with id `elementID`, for a banner's markup.
    public static func inline(elementID: String, viewableURL: String) -> String {
        "<script>(function(){" + function + "vickreyMeasure(document.getElementById(" + literal(elementID) + "),"
            + literal(viewableURL) + ");})();</script>"
    }

    /// `text` as a JavaScript string literal that cannot end the script element around it.
    public static func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
