// The Bun contender: Bun.serve (uWebSockets underneath) with the endpoints
// every contender of bench/ serves, each the way Bun's docs show it:
//
//   /echo       ws.send(message) back to its sender, same opcode
//   /fanout     every connection ws.subscribe("fanout") on open; a message
//               from any client goes out with server.publish("fanout", m),
//               which frames it once and sends it to every subscriber, the
//               sender included
//   /debug/mem  JSON like the Go server's: rss and cpu_ns (this process,
//               from process.memoryUsage and process.cpuUsage), heap_inuse
//               (the JS heap), after Bun.gc(true) unless ?gc=0
//
// Bun's defaults otherwise (no compression, 16 MiB backpressure limit,
// 120 s idle timeout, 16 MiB messages). It prints "ADDR host:port" once it
// listens; SIGTERM ends it. Usage: bun server.ts [host:port]
//
// Subscriptions are synchronous in Bun: a connection is subscribed before
// its open handler returns.

type Data = { route: "echo" | "fanout" };

const [host, portText] = (process.argv[2] ?? "127.0.0.1:0").split(":");

const server = Bun.serve<Data, {}>({
  hostname: host,
  port: Number(portText ?? 0),
  fetch(req, srv) {
    const path = new URL(req.url).pathname;
    if (path === "/echo" || path === "/fanout") {
      if (srv.upgrade(req, { data: { route: path.slice(1) as Data["route"] } })) {
        return undefined;
      }
      return new Response("websocket upgrade expected", { status: 400 });
    }
    if (path === "/debug/mem") {
      if (new URL(req.url).searchParams.get("gc") !== "0") Bun.gc(true);
      const m = process.memoryUsage();
      const cpu = process.cpuUsage(); // microseconds, user and system
      return Response.json({
        heap_inuse: m.heapUsed,
        stack_inuse: 0,
        rss: m.rss,
        cpu_ns: (cpu.user + cpu.system) * 1000,
        goroutines: 0,
      });
    }
    return new Response("not found", { status: 404 });
  },
  websocket: {
    open(ws) {
      if (ws.data.route === "fanout") ws.subscribe("fanout");
    },
    message(ws, message) {
      if (ws.data.route === "echo") {
        ws.send(message);
      } else {
        server.publish("fanout", message);
      }
    },
  },
});

console.log(`ADDR ${server.hostname}:${server.port}`);
