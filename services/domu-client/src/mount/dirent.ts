// Node's Dirent, from a listing entry's d_type.
import { type DirentType, DT } from "@xenfs/fsproto";

export class XenfsDirent {
  constructor(
    readonly name: string,
    /** The directory listed, as the caller named it (Node's `parentPath`). */
    readonly parentPath: string,
    private readonly type: DirentType,
  ) {}

  isFile(): boolean {
    return this.type === DT.DT_REG;
  }
  isDirectory(): boolean {
    return this.type === DT.DT_DIR;
  }
  isSymbolicLink(): boolean {
    return this.type === DT.DT_LNK;
  }
  isBlockDevice(): boolean {
    return this.type === DT.DT_BLK;
  }
  isCharacterDevice(): boolean {
    return this.type === DT.DT_CHR;
  }
  isFIFO(): boolean {
    return this.type === DT.DT_FIFO;
  }
  isSocket(): boolean {
    return this.type === DT.DT_SOCK;
  }
}
