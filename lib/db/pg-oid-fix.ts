import pg from "pg";

// Postgres types that @prisma/adapter-pg 6.19 cannot map to a Prisma column type. The CLI's schema
// engine reads catalog columns of these types, and at run time `$queryRaw` fails on e.g.
// `SELECT current_user`. Their text form is a plain string, so report them as TEXT / TEXT[] before
// the adapter looks at the field OIDs.
const REMAPPED_OIDS: Record<number, number> = {
  18: 25, // "char"  -> text
  19: 25, // name    -> text
  1002: 1009, // "char"[] -> text[]
  1003: 1009, // name[]   -> text[]
};

type FieldsCarrier = { fields?: { dataTypeID: number }[] };

function remapFieldTypes<T>(result: T): T {
  for (const r of (Array.isArray(result) ? result : [result]) as FieldsCarrier[]) {
    if (r && Array.isArray(r.fields)) {
      for (const field of r.fields) {
        const to = REMAPPED_OIDS[field.dataTypeID];
        if (to !== undefined) field.dataTypeID = to;
      }
    }
  }
  return result;
}

export class OidFixClient extends pg.Client {
  // pg.Pool calls client.query(config, values, callback); the adapter never passes a Submittable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(config: any, values?: any, callback?: any): any {
    if (typeof values === "function") {
      callback = values;
      values = undefined;
    }
    if (typeof callback === "function") {
      return super.query(config, values, (err: Error, res: unknown) => callback(err, err ? res : remapFieldTypes(res)));
    }
    const out = super.query(config, values) as unknown;
    return out && typeof (out as Promise<unknown>).then === "function"
      ? (out as Promise<unknown>).then(remapFieldTypes)
      : out;
  }
}
