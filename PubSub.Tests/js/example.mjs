// <example>
import * as signalR from "@microsoft/signalr";

const baseUrl = process.argv[2] ?? "http://localhost:8000";
const topic = process.argv[3] ?? "orders";

const connection = new signalR.HubConnectionBuilder()
  .withUrl(`${baseUrl}/hubs/pubsub`) // with auth on: `${baseUrl}/hubs/pubsub?api_key=KEY`
  .build();

const firstEvent = new Promise((resolve) => {
  connection.on("Event", (e) => {
    console.log(`event ${e.topic} #${e.seq}`, JSON.stringify(e.payload));
    resolve();
  });
});
connection.on("Info", (info) => console.log("info", info.msg, info.topic ?? ""));
connection.on("Error", (error) => console.log("error", error.code, error.message));

await connection.start();
const sub = await connection.invoke("Subscribe", { topic, clientId: "js-1", lastN: 5 });
console.log(`subscribed at seq ${sub.seq}`);
const pub = await connection.invoke("Publish", { topic, payload: { hello: "from js" } });
console.log(`published #${pub.seq}`);
try {
  await connection.invoke("Subscribe", { topic: "no-such-topic", clientId: "js-1" });
} catch (err) {
  console.log(err.message.split(":")[0]); // TOPIC_NOT_FOUND
}
await firstEvent; // the event of our own publish
await connection.stop();
// </example>
