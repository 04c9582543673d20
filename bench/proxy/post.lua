-- wrk script: a POST with a 2 KB urlencoded form body, on keep-alive connections.
local fields = {}
local i = 0
local size = 0
while size < 2048 do
  local f = string.format("field%03d=%s", i, string.rep(string.char(97 + i % 26), 24))
  fields[#fields + 1] = f
  size = size + #f + 1
  i = i + 1
end
local body = table.concat(fields, "&"):sub(1, 2048)

wrk.method = "POST"
wrk.path = "/submit?form=contact"
wrk.body = body
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "text/html"
wrk.headers["User-Agent"] = "aegis-bench/1"
