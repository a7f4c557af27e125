// The official Node SDKs through keybraked, set up exactly as docs/quickstart.md shows ("Node.js
// (official SDKs)"). tst_sdk runs one case per process and asserts on what this prints: one JSON
// line with what the SDK user saw (results, error classes, codes, headers). The vault keys come
// from tst_sdk, which issued them through the admin API.
//   node sdk.mjs <case>     env: KEYBRAKE_URL, VAULT_KEY (and per case: VAULT_KEY_2, ...)
import Stripe from 'stripe';
import twilio from 'twilio';
import { Resend } from 'resend';

const KEYBRAKE_URL = process.env.KEYBRAKE_URL;
const TWILIO_ACCOUNT_SID = process.env.TWILIO_ACCOUNT_SID;

// --- the quickstart's three clients, verbatim but for the key argument
function stripeFor(vaultKey) {
  return new Stripe(vaultKey, {
    httpClient: Stripe.createFetchHttpClient((url, init) =>
      fetch(String(url).replace('https://api.stripe.com', `${KEYBRAKE_URL}/stripe`), init)),
  });
}

class KeybrakeRequestClient extends twilio.RequestClient {
  request(opts) {
    return super.request({
      ...opts, uri: opts.uri.replace('https://api.twilio.com', `${KEYBRAKE_URL}/twilio`) });
  }
}
function twilioFor(vaultKey) {
  return twilio(TWILIO_ACCOUNT_SID, vaultKey, { httpClient: new KeybrakeRequestClient() });
}

function resendFor(vaultKey) {
  return new Resend(vaultKey, { baseUrl: `${KEYBRAKE_URL}/resend` });
}

// --- what a test reports about an SDK error
function stripeError(err) {
  return {
    class: err?.constructor?.name, type: err?.type, code: err?.code, status: err?.statusCode,
    message: err?.message, keybrake_code: err?.raw?.keybrake_code ?? null,
  };
}

// lastResponse is the fetch Response here (its headers a Headers object).
function header(resource, name) {
  const headers = resource?.lastResponse?.headers;
  if (!headers)
    return null;
  return (typeof headers.get === 'function' ? headers.get(name) : headers[name]) ?? null;
}
const replayed = (resource) => header(resource, 'idempotent-replayed');

const cases = {
  // A PaymentIntent without and with an idempotencyKey; the same key again is a replay.
  async 'stripe-payment-intents'() {
    const stripe = stripeFor(process.env.VAULT_KEY);
    const plain = await stripe.paymentIntents.create(
      { amount: 1200, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    const first = await stripe.paymentIntents.create(
      { amount: 2500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
      { idempotencyKey: 'order-1001' });
    const again = await stripe.paymentIntents.create(
      { amount: 2500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
      { idempotencyKey: 'order-1001' });
    return {
      plain: { id: plain.id, amount: plain.amount, status: plain.status, replayed: replayed(plain) },
      first: { id: first.id, amount: first.amount, status: first.status, replayed: replayed(first) },
      again: { id: again.id, amount: again.amount, status: again.status, replayed: replayed(again) },
      spent_header: header(again, 'keybrake-spent-today-usd'),
    };
  },

  // A Customer, a PaymentIntent for it, then its charges listed and the PaymentIntent's charge
  // retrieved (reads and customers cost nothing).
  async 'stripe-customer-and-charges'() {
    const stripe = stripeFor(process.env.VAULT_KEY);
    const customer = await stripe.customers.create(
      { email: 'ana@example.com', name: 'Ana' });
    const intent = await stripe.paymentIntents.create(
      { amount: 1999, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa',
        confirm: true });
    const charges = await stripe.charges.list({ customer: customer.id, limit: 3 });
    const charge = await stripe.charges.retrieve(intent.latest_charge);
    return {
      customer: { id: customer.id, object: customer.object, email: customer.email },
      intent: { id: intent.id, amount: intent.amount, latest_charge: intent.latest_charge },
      charges: { object: charges.object, has_more: charges.has_more,
                 data: charges.data.map((c) => ({ id: c.id, amount: c.amount,
                                                  payment_intent: c.payment_intent })) },
      charge: { id: charge.id, amount: charge.amount, payment_intent: charge.payment_intent,
                captured: charge.captured },
    };
  },

  // Over the cap: the SDK raises its own error class carrying Keybrake's code.
  async 'stripe-over-cap'() {
    const stripe = stripeFor(process.env.VAULT_KEY);
    const ok = await stripe.paymentIntents.create(
      { amount: 400, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    try {
      await stripe.paymentIntents.create(
        { amount: 900, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
      return { ok: ok.id, refused: null };
    } catch (err) {
      return { ok: ok.id, refused: stripeError(err) };
    }
  },

  // One call whose refusal the test arranged (an endpoint the key does not allow, a revoked
  // key): the SDK's error as the user catches it.
  async 'stripe-refused'() {
    const stripe = stripeFor(process.env.VAULT_KEY);
    try {
      const made = process.env.CALL === 'customers.create'
        ? await stripe.customers.create({ email: 'ana@example.com' })
        : await stripe.paymentIntents.create(
          { amount: 500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
      return { made: made.id, refused: null };
    } catch (err) {
      return { made: null, refused: stripeError(err) };
    }
  },

  // A key scoped to one connected account: that account passes, another is refused.
  async 'stripe-account-scope'() {
    const stripe = stripeFor(process.env.VAULT_KEY);
    const inScope = await stripe.paymentIntents.create(
      { amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
      { stripeAccount: 'acct_1KeybrakeSdkTest' });
    let outOfScope = null;
    try {
      await stripe.paymentIntents.create(
        { amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
        { stripeAccount: 'acct_1SomebodyElse00' });
    } catch (err) {
      outOfScope = stripeError(err);
    }
    let noAccount = null;
    try {
      await stripe.paymentIntents.create(
        { amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    } catch (err) {
      noAccount = stripeError(err);
    }
    return { in_scope: { id: inScope.id, amount: inScope.amount }, out_of_scope: outOfScope,
             no_account: noAccount };
  },

  // An SMS as the quickstart sends it; then, on a key whose cap it exhausted, a RestException.
  async 'twilio-sms'() {
    const sms = twilioFor(process.env.VAULT_KEY);
    const message = await sms.messages.create(
      { to: '+14155550123', from: '+14155550100', body: 'Your code is 123456' });
    let refused = null;
    try {
      await twilioFor(process.env.VAULT_KEY_2).messages.create(
        { to: '+14155550123', from: '+14155550100', body: 'Your code is 654321' });
    } catch (err) {
      refused = { class: err?.constructor?.name, status: err?.status, code: err?.code,
                  message: err?.message, more_info: err?.moreInfo ?? null };
    }
    return {
      message: { sid: message.sid, status: message.status, to: message.to, from: message.from,
                 num_segments: message.numSegments, account_sid: message.accountSid,
                 price: message.price },
      refused,
    };
  },

  // emails.send (with an idempotency key) and batch.send.
  async 'resend-send'() {
    const resend = resendFor(process.env.VAULT_KEY);
    const single = await resend.emails.send(
      { from: 'Acme <receipts@mail.acme.example>', to: ['ana@example.com'],
        subject: 'Your receipt', html: '<p>Thanks!</p>' },
      { idempotencyKey: 'receipt/order-1001' });
    const batch = await resend.batch.send([
      { from: 'Acme <digest@mail.acme.example>', to: ['ana@example.com'],
        subject: 'Weekly digest', html: '<p>One</p>' },
      { from: 'Acme <digest@mail.acme.example>', to: ['bo@example.com'],
        subject: 'Weekly digest', html: '<p>Two</p>' },
    ]);
    let refused = null;
    if (process.env.VAULT_KEY_2) {
      const { data, error } = await resendFor(process.env.VAULT_KEY_2).emails.send(
        { from: 'Acme <receipts@mail.acme.example>', to: ['ana@example.com'],
          subject: 'Over the cap', html: '<p>No</p>' });
      refused = { data, error };
    }
    return { single, batch, refused };
  },
};

const name = process.argv[2];
if (!cases[name]) {
  console.error(`sdk.mjs: unknown case '${name}' (${Object.keys(cases).join(', ')})`);
  process.exit(2);
}
try {
  console.log(JSON.stringify({ ok: true, result: await cases[name]() }));
} catch (err) {
  // An SDK call that should have worked: report everything the SDK says about it.
  console.log(JSON.stringify({
    ok: false, error: { class: err?.constructor?.name, message: err?.message, code: err?.code,
                        status: err?.statusCode ?? err?.status, raw: err?.raw ?? null },
  }));
}
