// Every resource kind the agent can manage, in one table. A new kind
// (package, service, user, exec, image) is a provider plus one line here.
import type { Provider } from "./provider.js";
import { execProvider } from "./exec.js";
import { fileProvider } from "./file.js";
import { groupProvider } from "./group.js";
import { imageProvider } from "./image.js";
import { packageProvider } from "./package.js";
import { serviceProvider } from "./service.js";
import { userProvider } from "./user.js";

const providers: Readonly<Record<string, Provider>> = {
  file: fileProvider,
  exec: execProvider,
  package: packageProvider,
  service: serviceProvider,
  user: userProvider,
  group: groupProvider,
  image: imageProvider,
};

export function providerFor(type: string): Provider | undefined {
  return Object.hasOwn(providers, type) ? providers[type] : undefined;
}
