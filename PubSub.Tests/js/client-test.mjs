// Drives /hubs/pubsub with the @microsoft/signalr JavaScript client and /ws with a raw WebSocket, and checks
// subscribe, publish, receive, error codes and cross-transport delivery both ways. Prints "PASS <name>" per check
// and exits 0 when all pass; prints "FAIL <reason>" and exits 1 otherwise. Usage: node client-test.mjs <baseUrl>
import * as signalR from "@microsoft/signalr";
import WebSocket from "ws";
import { begin, check } from "./harness.mjs";

const baseUrl = begin("client-test.mjs");

/** A queue of calls of one kind, awaited one at a time with a timeout. */
function inbox() {
  const items = [];
  const waiters = [];
  return {
    push(item) {
      const waiter = waiters.shift();
      if (waiter) waiter(item);
      else items.push(item);
    },
    next(ms = 10000) {
      if (items.length) return Promise.resolve(items.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("nothing arrived in time")), ms);
        waiters.push((item) => {
          clearTimeout(timer);
          resolve(item);
        });
      });
    },
  };
}

async function createTopic(name) {
  const response = await fetch(`${baseUrl}/api/topics/create/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  check(response.status === 201, `create topic ${name}`, `status ${response.status}`);
}

async function connectWs() {
  const socket = new WebSocket(baseUrl.replace(/^http/, "ws") + "/ws");
  const frames = inbox();
  socket.on("message", (data) => frames.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return { socket, frames, send: (frame) => socket.send(JSON.stringify(frame)) };
}

let connection;
let ws;
try {
  await createTopic("js-orders");

  const events = inbox();
  connection = new signalR.HubConnectionBuilder()
    .withUrl(`${baseUrl}/hubs/pubsub`, { transport: signalR.HttpTransportType.WebSockets })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on("Event", (e) => events.push(e));
  await connection.start();

  const pong = await connection.invoke("Ping");
  check(/Z$/.test(pong.ts), "Ping returns ts");

  const sub = await connection.invoke("Subscribe", { topic: "js-orders", clientId: "js-1", lastN: 5 });
  check(sub.topic === "js-orders" && sub.status === "ok" && sub.seq === 0 && sub.gap === false, "Subscribe result", JSON.stringify(sub));

  const pub = await connection.invoke("Publish", { topic: "js-orders", payload: { hello: "hub" }, clientId: "js-1" });
  check(pub.status === "ok" && pub.seq === 1 && typeof pub.id === "string", "Publish result", JSON.stringify(pub));
  const own = await events.next();
  check(own.id === pub.id && own.seq === 1 && own.payload.hello === "hub" && /Z$/.test(own.ts), "Event from own publish", JSON.stringify(own));

  const topics = await connection.invoke("ListTopics");
  check(topics.some((t) => t.name === "js-orders" && t.subscribers === 1 && t.createdAt), "ListTopics", JSON.stringify(topics));

  try {
    await connection.invoke("Publish", { topic: "missing", payload: 1 });
    check(false, "TOPIC_NOT_FOUND error", "no error");
  } catch (err) {
    check(err.message.startsWith("TOPIC_NOT_FOUND: "), "TOPIC_NOT_FOUND error", err.message);
  }

  // Cross-transport: /ws → hub and hub → /ws.
  ws = await connectWs();
  ws.send({ type: "subscribe", topic: "js-orders", client_id: "ws-1", request_id: "s1" });
  const ack = await ws.frames.next();
  check(ack.type === "ack" && ack.request_id === "s1", "/ws subscribe ack", JSON.stringify(ack));

  const id = "6f1c2b9e-2f4d-4c8a-9f58-0c2d7a1e9b11";
  ws.send({ type: "publish", topic: "js-orders", client_id: "ws-1", message: { id, payload: { from: "ws" } }, request_id: "p1" });
  const fromWs = await events.next();
  check(fromWs.id === id && fromWs.payload.from === "ws", "/ws publish reaches the hub subscriber", JSON.stringify(fromWs));

  const frames = [await ws.frames.next(), await ws.frames.next()];
  check(frames.some((f) => f.type === "ack" && f.request_id === "p1"), "/ws publish ack", JSON.stringify(frames));
  check(frames.some((f) => f.type === "event" && f.message.id === id), "/ws subscriber gets its own event", JSON.stringify(frames));

  const fromHub = await connection.invoke("Publish", { topic: "js-orders", payload: { from: "hub" } });
  const wsEvent = await ws.frames.next();
  check(wsEvent.type === "event" && wsEvent.message.id === fromHub.id && wsEvent.message.payload.from === "hub" && wsEvent.seq === fromHub.seq,
    "hub publish reaches the /ws subscriber", JSON.stringify(wsEvent));

  const unsub = await connection.invoke("Unsubscribe", { topic: "js-orders", clientId: "js-1" });
  check(unsub.topic === "js-orders" && unsub.status === "ok", "Unsubscribe result", JSON.stringify(unsub));

  console.log("ALL PASSED");
  ws.socket.close();
  await connection.stop();
  process.exit(0);
} catch (err) {
  console.log(`FAIL ${err.message}`);
  process.exit(1);
}
