// dapr_sdk.js: one call of the official Dapr JavaScript SDK (@dapr/dapr,
// pinned in package.json) in HTTP mode against Coffer, for
// tests/suites/sdk_dapr_test.sh, which asserts on what this prints.
//
//   node dapr_sdk.js start                  does the SDK start (its
//                                           GET /v1.0/metadata probe)?
//   node dapr_sdk.js get STORE KEY [QUERY]  client.secret.get
//   node dapr_sdk.js bulk STORE             client.secret.getBulk
//   node dapr_sdk.js metadata               client.metadata.get
//
// Environment: COFFER_ADDR (http://127.0.0.1:PORT), DAPR_API_TOKEN (the
// SDK reads it itself too; passed explicitly so the test shows it).
//
// Prints one JSON line: {"ok":true,"value":...} with what the SDK returned,
// or {"ok":false,"error":...} with what it threw (the SDK's HTTP client
// throws an Error whose message is JSON: error, error_msg, status; error_msg
// is parsed when it is JSON).  Exit status 0 either way; 1 if the SDK did
// not finish within the deadline (a start-up that never succeeds polls for
// 30 s: "start" gives up after COFFER_SDK_DEADLINE_MS, default 20000).
"use strict";

const { DaprClient, CommunicationProtocolEnum, LogLevel } = require("@dapr/dapr");

function fail(msg) {
  process.stdout.write(JSON.stringify({ ok: false, fatal: msg }) + "\n");
  process.exit(1);
}

function parseError(e) {
  let err = { message: String(e && e.message) };
  try {
    err = JSON.parse(e.message);
    if (typeof err.error_msg === "string" && err.error_msg !== "") {
      try {
        err.error_msg = JSON.parse(err.error_msg);
      } catch (_) {
        // daprd's token error is plain text: keep it as it came.
      }
    }
  } catch (_) {
    // Not one of the HTTP client's JSON errors: keep the message.
  }
  return err;
}

async function main() {
  const url = new URL(process.env.COFFER_ADDR || fail("COFFER_ADDR unset"));
  const client = new DaprClient({
    daprHost: url.hostname,
    daprPort: url.port,
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    daprApiToken: process.env.DAPR_API_TOKEN,
    logger: { level: LogLevel.Error },
  });
  const [what, ...args] = process.argv.slice(2);
  const deadline = Number(process.env.COFFER_SDK_DEADLINE_MS || 20000);
  const timer = setTimeout(() => fail(`no answer within ${deadline} ms`), deadline);

  let out;
  try {
    switch (what) {
      case "start":
        await client.start();
        out = { ok: true, value: "started" };
        break;
      case "get":
        out = { ok: true, value: await client.secret.get(args[0], args[1], args[2] || "") };
        break;
      case "bulk":
        out = { ok: true, value: await client.secret.getBulk(args[0]) };
        break;
      case "metadata":
        out = { ok: true, value: await client.metadata.get() };
        break;
      default:
        fail(`unknown action ${what}`);
    }
  } catch (e) {
    out = { ok: false, error: parseError(e) };
  }
  clearTimeout(timer);
  process.stdout.write(JSON.stringify(out) + "\n");
  await client.stop();
}

main().catch((e) => fail(String(e && e.stack)));
