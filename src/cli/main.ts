#!/usr/bin/env node
import { isThreadlineError } from "../errors.js";
import { buildProgram } from "./program.js";

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  const message = isThreadlineError(error) ? `${error.code}: ${error.message}` : String(error);
  console.error(`threadline: ${message}`);
  process.exitCode = 1;
}
