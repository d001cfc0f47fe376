/**
 * A first-query generator backed by an OpenAI-compatible chat-completions server (OpenAI, vLLM,
 * llama.cpp, Ollama, ...): `POST {baseUrl}/chat/completions` with `fetch`. It is what a user
 * plugs into {@link dqLore}; the tests only ever talk to a local server on 127.0.0.1.
 *
 * @module
 */
import { intOption, knownKeys } from "./_options.ts";
import type { Exemplar, FirstQueryGenerator } from "./dq.ts";

/** Options of {@link openAiChatGenerator}. */
export interface OpenAiChatOptions {
  /** The model name sent in the request. */
  model: string;
  /** Server root up to the version, e.g. `http://127.0.0.1:8000/v1` (default OpenAI's). */
  baseUrl?: string;
  /**
   * Environment variable holding the API key, sent as `Authorization: Bearer …` (default
   * `"OPENAI_API_KEY"`; reading it needs `--allow-env`); `null` sends no key (local servers).
   */
  apiKeyEnv?: string | null;
  /** Abort a request after this many milliseconds (default 60 000). */
  timeoutMs?: number;
  /** Sampling temperature (default 0: greedy, as the paper's CoT runs). */
  temperature?: number;
  /** Most tokens to generate (default 512). */
  maxTokens?: number;
}

/** One chat message. */
export interface ChatMessage {
  /** Who speaks. */
  role: "system" | "user" | "assistant";
  /** What is said. */
  content: string;
}

const FN = "openAiChatGenerator";

/**
 * The chain-of-thought prompt of the first query: each exemplar as `Question: …` / `Answer: …`,
 * then the question and `Answer: Let's think step by step.` (Kojima et al. 2022), as one user
 * message.
 *
 * @example
 * ```ts
 * import { cotPrompt } from "./openai.ts";
 * const [msg] = cotPrompt("2+3?", [{ question: "1+1?", solution: "1+1 = 2\n#### 2" }]);
 * console.log(msg.content.split("\n").at(-1)); // "Answer: Let's think step by step."
 * ```
 */
export function cotPrompt(question: string, exemplars: readonly Exemplar[]): ChatMessage[] {
  const shots = exemplars.map((e) => `Question: ${e.question}\nAnswer: ${e.solution}\n\n`);
  return [{
    role: "user",
    content: `${shots.join("")}Question: ${question}\nAnswer: Let's think step by step.`,
  }];
}

/**
 * A {@link FirstQueryGenerator} that asks a chat model for the chain of thought: one
 * `chat/completions` request per call with the {@link cotPrompt}, returning the first choice's
 * message text. The API key is read from the environment once, here.
 *
 * @throws {TypeError} for an unknown or mistyped option; {@link RangeError} for a bad
 * `baseUrl`, `timeoutMs` or `maxTokens`; an Error when the key's variable is unset. The
 * generator rejects with an Error naming the URL on a network failure, a timeout, a non-2xx
 * status (with the start of the body), or a reply without `choices[0].message.content`.
 *
 * @example
 * ```ts
 * import { openAiChatGenerator } from "./openai.ts";
 * const generate = openAiChatGenerator({
 *   model: "my-model", baseUrl: "http://127.0.0.1:8000/v1", apiKeyEnv: null,
 * });
 * console.log(typeof generate); // "function"
 * ```
 */
export function openAiChatGenerator(opts: OpenAiChatOptions): FirstQueryGenerator {
  knownKeys(FN, opts, ["model", "baseUrl", "apiKeyEnv", "timeoutMs", "temperature", "maxTokens"]);
  if (typeof opts.model !== "string" || opts.model === "") {
    throw new TypeError(`${FN}: model must be a non-empty string, got ${String(opts.model)}`);
  }
  const url = chatUrl(opts.baseUrl ?? "https://api.openai.com/v1");
  const timeoutMs = intOption(FN, "timeoutMs", opts.timeoutMs, 60_000);
  const maxTokens = intOption(FN, "maxTokens", opts.maxTokens, 512);
  const temperature = opts.temperature ?? 0;
  if (typeof temperature !== "number" || !(temperature >= 0)) {
    throw new TypeError(`${FN}: temperature must be a number >= 0, got ${String(temperature)}`);
  }
  const headers: Record<string, string> = { "content-type": "application/json" };
  const keyEnv = opts.apiKeyEnv === undefined ? "OPENAI_API_KEY" : opts.apiKeyEnv;
  if (keyEnv !== null) {
    if (typeof keyEnv !== "string") {
      throw new TypeError(`${FN}: apiKeyEnv must be a string or null, got ${typeof keyEnv}`);
    }
    const key = Deno.env.get(keyEnv);
    if (!key) throw new Error(`${FN}: the environment variable ${keyEnv} (API key) is not set`);
    headers.authorization = `Bearer ${key}`;
  }
  return async (question, exemplars) => {
    const body = JSON.stringify({
      model: opts.model,
      messages: cotPrompt(question, exemplars),
      temperature,
      max_tokens: maxTokens,
    });
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const timedOut = e instanceof DOMException && e.name === "TimeoutError";
      throw new Error(
        timedOut
          ? `${FN}: POST ${url} timed out after ${timeoutMs} ms`
          : `${FN}: POST ${url} failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
    return await replyText(url, res);
  };
}

function chatUrl(baseUrl: string): string {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    throw new RangeError(`${FN}: baseUrl is not a URL: ${JSON.stringify(baseUrl)}`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new RangeError(`${FN}: baseUrl must be http(s), got ${JSON.stringify(baseUrl)}`);
  }
  return `${baseUrl.replace(/\/+$/, "")}/chat/completions`;
}

async function replyText(url: string, res: Response): Promise<string> {
  const text = await res.text();
  if (!res.ok) {
    throw new Error(
      `${FN}: POST ${url} returned ${res.status} ${res.statusText}: ${text.slice(0, 300)}`,
    );
  }
  let content: unknown;
  try {
    content = JSON.parse(text)?.choices?.[0]?.message?.content;
  } catch {
    throw new Error(`${FN}: POST ${url} returned invalid JSON: ${text.slice(0, 300)}`);
  }
  if (typeof content !== "string") {
    throw new Error(
      `${FN}: POST ${url}: reply has no choices[0].message.content string: ${text.slice(0, 300)}`,
    );
  }
  return content;
}
