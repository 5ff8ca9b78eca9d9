/// The web tag (`GET /v1/tag.js`, `examples/web/`): one script a page includes to fill its
/// ad slots from `POST /v1/ads`. A slot is any element with `data-vickrey-placement`
/// (and optionally `data-vickrey-sizes="300x250,320x50"`); a `<meta name="vickrey-keywords"
/// content="recipes,baking">` adds keywords. Each ad is drawn (the creative linked
/// through its signed click URL), its impression URL fired as it begins to render, and
/// its viewable URL fired by the MRC rule (`ViewabilityScript`, the same measurement the
/// OpenRTB markup carries). No cookie, no other request; the server's address is the
/// script's own.
public enum WebTagScript {
    public static let source = """
        (function () {
          "use strict";
        \(ViewabilityScript.function)
          var script = document.currentScript;
          var base = script && script.src ? script.src.replace(/\\/v1\\/tag\\.js(\\?.*)?$/, "") : "";
          function fire(url) { if (url) (new Image()).src = url; }
          function render(slot, ad) {
            var link = document.createElement("a");
            link.href = ad.click_url; link.target = "_blank"; link.rel = "noopener";
            var size = String(ad.creative.size || "").split("x");
            var image = document.createElement("img");
            image.src = ad.creative.image_url; image.alt = ""; image.style.border = "0";
            if (size.length === 2) { image.width = +size[0]; image.height = +size[1]; }
            link.appendChild(image);
            slot.textContent = "";
            slot.appendChild(link);
            slot.setAttribute("data-vickrey-campaign", ad.campaign_id);
            fire(ad.impression_url);
            vickreyMeasure(slot, ad.viewable_url);
          }
          function run() {
            var slots = document.querySelectorAll("[data-vickrey-placement]");
            var placements = [], byID = {};
            for (var i = 0; i < slots.length && placements.length < 16; i++) {
              var id = slots[i].getAttribute("data-vickrey-placement");
              if (!id || byID[id]) continue;
              byID[id] = slots[i];
              var sizes = (slots[i].getAttribute("data-vickrey-sizes") || "").split(",").filter(Boolean);
              placements.push(sizes.length ? { id: id, sizes: sizes } : { id: id });
            }
            if (!placements.length) return;
            var body = { placements: placements };
            var keywords = document.querySelector('meta[name="vickrey-keywords"]');
            if (keywords) body.keywords = keywords.content.split(",").map(function (k) { return k.trim(); }).filter(Boolean);
            fetch(base + "/v1/ads", { method: "POST", headers: { "Content-Type": "application/json" },
                                      body: JSON.stringify(body), credentials: "omit" })
              .then(function (response) { return response.ok ? response.json() : null; })
              .then(function (answer) {
                if (!answer) return;
                (answer.ads || []).forEach(function (ad) { if (byID[ad.placement_id]) render(byID[ad.placement_id], ad); });
                (answer.unfilled || []).forEach(function (id) { if (byID[id]) byID[id].setAttribute("data-vickrey-unfilled", ""); });
              })
              .catch(function () {});
          }
          if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
        })();
        """
}
