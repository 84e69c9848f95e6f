// Loads keyed by name, done once per site version: concurrent compiles of one
// site share the load in flight instead of reading the same file twice. The
// count of loads started tells a compile whether it read anything from disk.
export class SharedLoads {
  started = 0;

  once<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let hit = cache.get(key);
    if (!hit) {
      this.started++;
      cache.set(key, (hit = load()));
    }
    return hit;
  }
}
