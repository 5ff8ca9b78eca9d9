-- wrk script: POST one single-placement native ad request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"request_id":"bench","user":{"id":"u-1"},"device":{"type":"mobile","os":"ios"},"geo":{"country":"US"},"keywords":["kw0","kw3"],"placements":[{"id":"home_feed","sizes":["300x250"]}]}'
