/** A document plus the types of its data and variables (the phantom field is never set). */
export interface Operation<TData, TVariables> {
  readonly operationName: string;
  readonly document: string;
  readonly __types?: { data: TData; variables: TVariables };
}
