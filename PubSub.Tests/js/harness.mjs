// What the Node test scripts share: the base URL argument, an overall deadline, and check(), which prints one
// "PASS <name>" line per check or throws. A script ends with "ALL PASSED" and exit 0, or "FAIL <reason>" and exit 1.

/** The base URL (argv[2]); a usage line and exit 1 without it. Starts the deadline for the whole script. */
export function begin(script, ms = 30000) {
  const baseUrl = process.argv[2];
  if (!baseUrl) {
    console.log(`FAIL usage: node ${script} <baseUrl>`);
    process.exit(1);
  }

  setTimeout(() => {
    console.log("FAIL timed out");
    process.exit(1);
  }, ms);
  return baseUrl;
}

export function check(condition, name, detail) {
  if (!condition) {
    throw new Error(`${name}: ${detail ?? "assertion failed"}`);
  }
  console.log(`PASS ${name}`);
}
