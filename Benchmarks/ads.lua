-- wrk script: POST one single-placement native ad request, from 100,000 distinct users
-- (frequency caps and pacing see realistic traffic, not one user asking forever).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"request_id":"bench","user":{"id":"u-1"},"device":{"type":"mobile","os":"ios"},"geo":{"country":"US"},"keywords":["kw0","kw3"],"placements":[{"id":"home_feed","sizes":["300x250"]}]}'
local counter = 0
request = function()
   counter = counter + 1
   local body = '{"request_id":"b' .. counter .. '","user":{"id":"u-' .. (counter % 100000) .. '"},"device":{"type":"mobile","os":"ios"},"geo":{"country":"US"},"keywords":["kw0","kw3"],"placements":[{"id":"home_feed","sizes":["300x250"]}]}'
   return wrk.format(nil, nil, nil, body)
end
