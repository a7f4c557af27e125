// docs/quickstart.md's Lambda handler ("The Lambda pattern"), taken from the page as users copy
// it, invoked with fake SQS events. tst_sdk asserts on the one JSON line this prints.
//   node lambda.mjs   env: KEYBRAKE_URL, KEYBRAKE_API_KEY (an issuer admin key), QUICKSTART (the
//                     page), EVENTS (a JSON array of SQS events, invoked one after the other)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const page = readFileSync(process.env.QUICKSTART, 'utf8');
const section = page.indexOf('## 3. The Lambda pattern');
const open = section < 0 ? -1 : page.indexOf('```js\n', section);
const close = open < 0 ? -1 : page.indexOf('\n```', open + 6);
if (close < 0) {
  console.error('lambda.mjs: no ```js block under "## 3. The Lambda pattern" in ' +
                process.env.QUICKSTART);
  process.exit(2);
}
// Beside node_modules, so that its `import Stripe from 'stripe'` resolves as in a deployment.
const handlerFile = join(dirname(fileURLToPath(import.meta.url)), 'quickstart-handler.mjs');
writeFileSync(handlerFile, page.slice(open + 6, close + 1));
const { handler } = await import(pathToFileURL(handlerFile).href);

// The handler logs refused messages with console.error: keep them, apart from our JSON line.
const logged = [];
const consoleError = console.error;
console.error = (...args) => { logged.push(args.map(String).join(' ')); consoleError(...args); };

const invocations = [];
for (const event of JSON.parse(process.env.EVENTS)) {
  const before = logged.length;
  try {
    invocations.push({ result: await handler(event), logged: logged.slice(before) });
  } catch (err) {
    invocations.push({ threw: String(err?.stack ?? err), logged: logged.slice(before) });
  }
}
console.log(JSON.stringify({ ok: true, invocations }));
