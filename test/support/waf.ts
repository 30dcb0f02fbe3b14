/**
 * Reads a synthesized AWS WAF web ACL the way WAF evaluates a request, for the statements Sild's web ACLs use: which
 * rate-based rules count a given request (their scope-down statement matches it) and with what limit. A statement
 * this reader does not know fails the test instead of being guessed at.
 */

/** A request as WAF's statements see it: the URI path and the headers (names lower-case). */
export interface WafRequest {
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The rate-based rules of a web ACL (`AWS::WAFv2::WebACL` resource) that count `request`, by name → limit. */
export function rateLimitsFor(webAcl: any, request: WafRequest): Record<string, number> {
  const counted = (webAcl.Properties.Rules as any[]).filter(
    (rule) =>
      rule.Statement.RateBasedStatement &&
      (rule.Statement.RateBasedStatement.ScopeDownStatement === undefined || matches(rule.Statement.RateBasedStatement.ScopeDownStatement, request)),
  );
  for (const rule of counted) {
    // Custom keys: a request missing a key's component is not counted at all — not what these helpers model.
    if (rule.Statement.RateBasedStatement.AggregateKeyType !== 'IP')
      throw new Error(`rule ${rule.Name} aggregates by ${rule.Statement.RateBasedStatement.AggregateKeyType}`);
  }
  return Object.fromEntries(counted.map((rule) => [rule.Name, rule.Statement.RateBasedStatement.Limit as number]));
}

function matches(statement: any, request: WafRequest): boolean {
  if (statement.AndStatement) return statement.AndStatement.Statements.every((inner: any) => matches(inner, request));
  if (statement.OrStatement) return statement.OrStatement.Statements.some((inner: any) => matches(inner, request));
  if (statement.NotStatement) return !matches(statement.NotStatement.Statement, request);
  if (statement.SizeConstraintStatement) {
    const { FieldToMatch, ComparisonOperator, Size } = statement.SizeConstraintStatement;
    if (ComparisonOperator !== 'GT') throw new Error(`unsupported comparison ${ComparisonOperator}`);
    const value = field(FieldToMatch, request);
    return value !== undefined && Buffer.byteLength(value) > Size;
  }
  if (statement.ByteMatchStatement) {
    const { FieldToMatch, PositionalConstraint, SearchString } = statement.ByteMatchStatement;
    const value = field(FieldToMatch, request);
    if (value === undefined) return false;
    if (PositionalConstraint === 'STARTS_WITH') return value.startsWith(SearchString);
    if (PositionalConstraint === 'ENDS_WITH') return value.endsWith(SearchString);
    throw new Error(`unsupported positional constraint ${PositionalConstraint}`);
  }
  throw new Error(`unsupported statement ${JSON.stringify(statement)}`);
}

/** A missing header is no value: it matches no byte match or size constraint (and so every NOT of one). */
function field(fieldToMatch: any, request: WafRequest): string | undefined {
  if (fieldToMatch.UriPath) return request.path;
  if (fieldToMatch.SingleHeader) return request.headers?.[String(fieldToMatch.SingleHeader.Name).toLowerCase()];
  throw new Error(`unsupported field ${JSON.stringify(fieldToMatch)}`);
}
