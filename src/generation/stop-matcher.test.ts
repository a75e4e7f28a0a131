import { test } from "node:test";
import assert from "node:assert/strict";
import { StopMatcher } from "./stop-matcher.js";

test("StopMatcher passes text through when there are no stop strings", () => {
  const m = new StopMatcher([]);
  assert.deepEqual(m.push("abc"), { text: "abc", stopped: false });
});

test("StopMatcher holds back a possible stop-string start and releases it when it diverges", () => {
  const m = new StopMatcher(["User:"]);
  assert.deepEqual(m.push("Hello Us"), { text: "Hello ", stopped: false });
  assert.deepEqual(m.push("ed"), { text: "Used", stopped: false });
});

test("StopMatcher stops at a stop string split across pushes and drops it", () => {
  const m = new StopMatcher(["\n\n", "User:"]);
  assert.deepEqual(m.push("answer U"), { text: "answer ", stopped: false });
  assert.deepEqual(m.push("ser: more"), { text: "", stopped: true });
});

test("StopMatcher stops at the earliest of several stop strings", () => {
  const m = new StopMatcher(["b", "a"]);
  assert.deepEqual(m.push("xxaxb"), { text: "xx", stopped: true });
});

test("StopMatcher flush releases held text at the end of the stream", () => {
  const m = new StopMatcher(["STOP"]);
  assert.deepEqual(m.push("end ST"), { text: "end ", stopped: false });
  assert.equal(m.flush(), "ST");
});

test("StopMatcher rejects empty stop strings", () => {
  assert.throws(() => new StopMatcher([""]), RangeError);
});
