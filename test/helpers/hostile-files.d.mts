/** Types of hostile-files.mjs (JavaScript so bench/hostile-ingest.mjs can import it too). */

/** A zip archive whose entries are all stored. */
export declare function storedZip(entries: { name: string; data: Uint8Array }[]): Buffer;
/** A binary plist from raw object encodings. */
export declare function rawBplist(
  objects: (number[] | Uint8Array)[],
  opts?: { refSize?: number; top?: number; numObjects?: number },
): Buffer;
/** An .ipa holding that Info.plist (and profile). */
export declare function ipaWith(infoPlist: Uint8Array, profile?: Uint8Array): Buffer;
export declare function sharedStringIpa(opts?: { stringBytes?: number; refs?: number }): Buffer;
export declare function sharedStringBplist(opts?: { stringBytes?: number; refs?: number }): Buffer;
/** One long string as id, versions, name and minimum OS (or a lone-surrogate display name). */
export declare function longStringsIpa(chars?: number, opts?: { loneSurrogate?: boolean }): Buffer;
export declare function cyclicBplistIpa(): Buffer;
export declare function hugeObjectCountIpa(): Buffer;
export declare function deepXmlPlist(depth?: number): Buffer;
export declare function deepXmlPlistIpa(): Buffer;
export declare function hostileProfileIpa(): Buffer;
export declare function deepOpfEpub(depth?: number): Buffer;
export declare function tocBombPkg(): Buffer;
export declare function nestedPdf(): Buffer;

/** One file of the suite and the code its record must carry. */
export interface HostileFile {
  name: string;
  make: () => Buffer;
  code: string;
}
/** Every hostile file of issue 10 §1. */
export declare function hostileSuite(): HostileFile[];
