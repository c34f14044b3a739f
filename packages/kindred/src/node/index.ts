/**
 * Node-only helpers of Kindred (files, dataset downloads, worker threads). The rest of the library never imports
 * node:* modules, so it runs in browsers too.
 */
export {};
