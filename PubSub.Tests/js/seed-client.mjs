// A client for the seed dialect written only from docs/PROTOCOL.md §9 (and §2 for the requests), in the style of
// the original Django server's pages: one WebSocket per page, an onmessage handler that switches on data.type.
// `ws` gives Node the browser's WebSocket API. Prints "PASS <name>" per check and "ALL PASSED", exit 0; or
// "FAIL <reason>", exit 1. Usage: node seed-client.mjs <baseUrl>   (a server with PubSub:WebSocket:Dialect=Seed)
import WebSocket from "ws";
import { begin, check } from "./harness.mjs";

const baseUrl = begin("seed-client.mjs");

const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One page's connection: frames sorted by type, as the seed's pages do, each kind awaited in turn. */
function page(name) {
  const socket = new WebSocket(baseUrl.replace(/^http/, "ws") + "/ws/");
  const queues = {};
  const waiters = {};
  const all = [];
  const deliver = (type, data) => {
    const waiting = waiters[type]?.shift();
    if (waiting) waiting(data);
    else (queues[type] ??= []).push(data);
  };
  socket.onmessage = (event) => {
    const data = JSON.parse(event.data);
    all.push(data);
    switch (data.type) {
      case "connected":
      case "subscribed":
      case "unsubscribed":
      case "published":
      case "message":
      case "pong":
      case "error":
      case "info":
        deliver(data.type, data);
        break;
      default:
        deliver("unexpected", data);
    }
  };
  socket.onerror = (e) => {
    console.log(`FAIL ${name}: socket error ${e.message}`);
    process.exit(1);
  };
  return {
    all,
    send: (frame) => socket.send(JSON.stringify(frame)),
    next(type, ms = 10000) {
      if (queues[type]?.length) return Promise.resolve(queues[type].shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no '${type}' frame in time; got ${JSON.stringify(all)}`)), ms);
        (waiters[type] ??= []).push((data) => {
          clearTimeout(timer);
          resolve(data);
        });
      });
    },
    close: () => socket.close(),
  };
}

async function main() {
  const topic = `seed-js-${Date.now()}`; // never created: the seed dialect creates it on first use

  const subscriber = page("subscriber");
  const connected = await subscriber.next("connected", 3000); // the first frame, sent at once
  check(uuid.test(connected.connection_id) && connected.status === "success" && isoUtc.test(connected.timestamp),
    "connected on connect", JSON.stringify(connected));

  subscriber.send({ type: "subscribe", topic, client_id: "subscriber1", request_id: "550e8400-e29b-41d4-a716-446655440000" });
  const subscribed = await subscriber.next("subscribed");
  check(subscribed.topic === topic && subscribed.client_id === "subscriber1" && subscribed.status === "success"
    && subscribed.request_id === "550e8400-e29b-41d4-a716-446655440000" && isoUtc.test(subscribed.timestamp),
    "subscribe → subscribed (topic created on first use)", JSON.stringify(subscribed));

  const publisher = page("publisher");
  await publisher.next("connected");
  const ids = [];
  for (let n = 1; n <= 3; n++) {
    const id = `msg_${Date.now()}_${n}`; // not a UUID: any non-empty id is accepted
    ids.push(id);
    publisher.send({ type: "publish", topic, client_id: "publisher1", request_id: `pub-${n}`,
      message: { id, payload: { order_id: `ORD-${n}`, amount: "99.50", currency: "USD" } } });
    const published = await publisher.next("published");
    check(published.topic === topic && published.message_id === id && published.client_id === "publisher1"
      && published.request_id === `pub-${n}` && published.status === "success" && isoUtc.test(published.timestamp),
      `publish ${n} → published`, JSON.stringify(published));
  }

  for (let n = 1; n <= 3; n++) {
    const message = await subscriber.next("message");
    check(message.topic === topic && message.message.id === ids[n - 1] && message.message.payload.order_id === `ORD-${n}`
      && isoUtc.test(message.message.timestamp) && message.publisher_client_id === "publisher1",
      `message ${n} with publisher_client_id`, JSON.stringify(message));
  }

  const late = page("history");
  await late.next("connected");
  late.send({ type: "subscribe", topic, client_id: "late", last_n: 5, request_id: "hist" });
  await late.next("subscribed");
  const replayed = [await late.next("message"), await late.next("message"), await late.next("message")];
  check(replayed.map((m) => m.message.id).join() === ids.join(), "subscribe last_n: 5 → subscribed, then the messages oldest first",
    JSON.stringify(late.all));

  subscriber.send({ type: "ping", request_id: "570t8400-e29b-41d4-a716-4466554412345" });
  const pong = await subscriber.next("pong");
  check(pong.request_id === "570t8400-e29b-41d4-a716-4466554412345" && isoUtc.test(pong.timestamp), "ping → pong", JSON.stringify(pong));

  subscriber.send({ type: "unsubscribe", topic, client_id: "subscriber1", request_id: "340e8400-e29b-41d4-a716-4466554480098" });
  const unsubscribed = await subscriber.next("unsubscribed");
  check(unsubscribed.topic === topic && unsubscribed.client_id === "subscriber1" && unsubscribed.status === "success"
    && unsubscribed.request_id === "340e8400-e29b-41d4-a716-4466554480098", "unsubscribe → unsubscribed", JSON.stringify(unsubscribed));

  publisher.send({ type: "publish", topic, client_id: "publisher1", request_id: "bad" });
  const error = await publisher.next("error");
  check(typeof error.error === "string" && error.error.length > 0 && error.request_id === "bad" && isoUtc.test(error.timestamp),
    "error as plain text with the request_id", JSON.stringify(error));

  const frames = [...subscriber.all, ...publisher.all, ...late.all];
  check(frames.every((f) => f.type === "info" || !("ts" in f)), "no frame but info has ts", JSON.stringify(frames.filter((f) => "ts" in f)));
  check(frames.every((f) => f.type !== "unexpected"), "only §9 frame types", JSON.stringify(frames));

  for (const p of [subscriber, publisher, late]) p.close();
}

try {
  await main();
  console.log("ALL PASSED");
  process.exit(0);
} catch (e) {
  console.log(`FAIL ${e.message}`);
  process.exit(1);
}
