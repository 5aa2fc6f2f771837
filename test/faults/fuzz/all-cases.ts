/** Every case family of the fuzz test, weighted: about one request in five is good traffic. */
import fc from "fast-check";
import { deepNesting, hugeBodies, malformedJson, wrongTypes } from "./bad-bodies.js";
import { emptyStreams, malformedStreams } from "./bad-streams.js";
import {
  badCredentials,
  badOffsets,
  loneSurrogates,
  nulCharacters,
  otherWorkspace,
  unknownRoutes,
} from "./bad-urls.js";
import type { CaseBuilder } from "./case.js";
import { goodTraffic } from "./good-traffic.js";

/** One request of the fuzz run, good or bad, to be built against its lane. */
export const fuzzCase: fc.Arbitrary<CaseBuilder> = fc.oneof(
  { arbitrary: goodTraffic, weight: 12 },
  { arbitrary: malformedJson, weight: 6 },
  { arbitrary: wrongTypes, weight: 6 },
  { arbitrary: deepNesting, weight: 4 },
  { arbitrary: nulCharacters, weight: 6 },
  { arbitrary: loneSurrogates, weight: 2 },
  { arbitrary: hugeBodies, weight: 2 },
  { arbitrary: badOffsets, weight: 4 },
  { arbitrary: unknownRoutes, weight: 3 },
  { arbitrary: otherWorkspace, weight: 6 },
  { arbitrary: badCredentials, weight: 2 },
  { arbitrary: malformedStreams, weight: 6 },
  { arbitrary: emptyStreams, weight: 1 },
);
