/**
 * The OpenAI-compatible chat generator against a local HTTP server on 127.0.0.1 (port 0) that
 * each test starts: request shape, key handling, every option, and each failure mode. Nothing
 * here touches the network.
 */
import assert, { deepEqual as assertEquals } from "node:assert/strict";
import { cotPrompt, openAiChatGenerator } from "../../../methods/retrieval/openai.ts";
import { throwsWith } from "../../ops/linalg/_factor_helpers.ts";

interface Seen {
  path: string;
  auth: string | null;
  body: Record<string, unknown>;
}

/** Serves `reply` for every request on 127.0.0.1 and records what arrived. */
async function withServer(
  reply: (req: Request) => Response | Promise<Response>,
  body: (base: string, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const text = await req.text();
    seen.push({
      path: new URL(req.url).pathname,
      auth: req.headers.get("authorization"),
      body: text ? JSON.parse(text) : {},
    });
    return await reply(req);
  });
  try {
    await body(`http://127.0.0.1:${server.addr.port}/v1`, seen);
  } finally {
    await server.shutdown();
  }
}

const ok = (content: unknown): Response =>
  Response.json({ choices: [{ message: { role: "assistant", content } }] });

const EX = [{ question: "Tom has 2 apples and buys 3. How many?", solution: "2+3=5\n#### 5" }];

async function rejectsWith(p: Promise<unknown>, text: string): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.ok(e.message.includes(text), e.message);
    return true;
  });
}

Deno.test("openAiChatGenerator: POSTs the CoT prompt to {baseUrl}/chat/completions with the key", async () => {
  Deno.env.set("LOWRANK_TEST_KEY", "sk-test-123");
  try {
    await withServer(() => ok("She has 5 + 2 = 7.\n#### 7"), async (base, seen) => {
      const gen = openAiChatGenerator({
        model: "m1",
        baseUrl: `${base}/`,
        apiKeyEnv: "LOWRANK_TEST_KEY",
      });
      const out = await gen("Ann has 5 and gets 2. How many?", EX);
      assertEquals(out, "She has 5 + 2 = 7.\n#### 7");
      assertEquals(seen.length, 1);
      assertEquals(seen[0].path, "/v1/chat/completions");
      assertEquals(seen[0].auth, "Bearer sk-test-123");
      assertEquals(seen[0].body, {
        model: "m1",
        messages: cotPrompt("Ann has 5 and gets 2. How many?", EX),
        temperature: 0,
        max_tokens: 512,
      });
    });
  } finally {
    Deno.env.delete("LOWRANK_TEST_KEY");
  }
});

Deno.test("openAiChatGenerator options: temperature, maxTokens, apiKeyEnv null, default key variable", async () => {
  await withServer(() => ok("x"), async (base, seen) => {
    const gen = openAiChatGenerator({
      model: "m2",
      baseUrl: base,
      apiKeyEnv: null,
      temperature: 0.7,
      maxTokens: 64,
    });
    await gen("q", []);
    assertEquals(seen[0].auth, null);
    assertEquals([seen[0].body.temperature, seen[0].body.max_tokens], [0.7, 64]);
  });
  const saved = Deno.env.get("OPENAI_API_KEY");
  Deno.env.delete("OPENAI_API_KEY");
  try {
    assert.throws(
      () => openAiChatGenerator({ model: "m" }),
      /the environment variable OPENAI_API_KEY \(API key\) is not set/,
    );
    Deno.env.set("OPENAI_API_KEY", "sk-default");
    await withServer(() => ok("y"), async (base, seen) => {
      await openAiChatGenerator({ model: "m", baseUrl: base })("q", []);
      assertEquals(seen[0].auth, "Bearer sk-default");
    });
  } finally {
    if (saved === undefined) Deno.env.delete("OPENAI_API_KEY");
    else Deno.env.set("OPENAI_API_KEY", saved);
  }
});

Deno.test("openAiChatGenerator: HTTP errors, bad replies, refused connections and timeouts reject clearly", async () => {
  const opts = { model: "m", apiKeyEnv: null };
  await withServer(() => new Response("rate limited", { status: 429 }), async (base) => {
    await rejectsWith(
      openAiChatGenerator({ ...opts, baseUrl: base })("q", []),
      `POST ${base}/chat/completions returned 429`,
    );
  });
  await withServer(() => new Response("not json"), async (base) => {
    await rejectsWith(openAiChatGenerator({ ...opts, baseUrl: base })("q", []), "invalid JSON");
  });
  await withServer(() => Response.json({ choices: [] }), async (base) => {
    await rejectsWith(
      openAiChatGenerator({ ...opts, baseUrl: base })("q", []),
      "no choices[0].message.content",
    );
  });
  await withServer(() => ok(null), async (base) => {
    await rejectsWith(openAiChatGenerator({ ...opts, baseUrl: base })("q", []), "no choices");
  });
  // A slow server: the request is aborted after timeoutMs; the handler is released afterwards.
  let release = (): void => {};
  const held = new Promise<void>((r) => (release = r));
  await withServer(async () => {
    await held;
    return ok("late");
  }, async (base) => {
    const t0 = performance.now();
    await rejectsWith(
      openAiChatGenerator({ ...opts, baseUrl: base, timeoutMs: 150 })("q", []),
      "timed out after 150 ms",
    );
    assert.ok(performance.now() - t0 < 5000);
    release();
  });
  // Nothing listens on the port of a server that was shut down.
  let closed = "";
  await withServer(() => ok(""), (base) => Promise.resolve(void (closed = base)));
  await rejectsWith(openAiChatGenerator({ ...opts, baseUrl: closed })("q", []), "failed:");
});

Deno.test("openAiChatGenerator: bad options name the option and the value", () => {
  throwsWith(
    () => openAiChatGenerator({ model: "" }),
    TypeError,
    "model must be a non-empty string",
  );
  throwsWith(
    () => openAiChatGenerator({ model: "m", apiKeyEnv: null, timeout: 5 } as never),
    TypeError,
    'unknown option "timeout"',
  );
  throwsWith(
    () => openAiChatGenerator({ model: "m", apiKeyEnv: null, baseUrl: "ftp://127.0.0.1/v1" }),
    RangeError,
    "baseUrl must be http(s)",
  );
  throwsWith(
    () => openAiChatGenerator({ model: "m", apiKeyEnv: null, baseUrl: "not a url" }),
    RangeError,
    "baseUrl is not a URL",
  );
  throwsWith(
    () => openAiChatGenerator({ model: "m", apiKeyEnv: null, timeoutMs: 0 }),
    RangeError,
    "timeoutMs must be an integer >= 1, got 0",
  );
  throwsWith(
    () => openAiChatGenerator({ model: "m", apiKeyEnv: null, temperature: -1 }),
    TypeError,
    "temperature must be a number >= 0, got -1",
  );
  throwsWith(
    () => openAiChatGenerator({ model: "m", apiKeyEnv: 3 } as never),
    TypeError,
    "apiKeyEnv must be a string or null",
  );
});

Deno.test("cotPrompt: exemplars as Question/Answer pairs, then the question and the CoT trigger", () => {
  const [m] = cotPrompt("What is 2*3?", EX);
  assertEquals(m.role, "user");
  assertEquals(
    m.content,
    "Question: Tom has 2 apples and buys 3. How many?\nAnswer: 2+3=5\n#### 5\n\n" +
      "Question: What is 2*3?\nAnswer: Let's think step by step.",
  );
});
