#!/usr/bin/env node
import { cliErrorMessage } from "./error-message.js";
import { buildProgram } from "./program.js";

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  console.error(`threadline: ${cliErrorMessage(error)}`);
  process.exitCode = 1;
}
