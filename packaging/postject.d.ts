// postject ships no types; its API is this one function (node_modules/postject/README.md).
declare module "postject" {
  export function inject(filename: string, resourceName: string, resourceData: Buffer, options?: { sentinelFuse?: string; overwrite?: boolean; machoSegmentName?: string }): Promise<void>;
}
