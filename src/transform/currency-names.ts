/** ISO 4217 English currency names, from the maintained `currency-codes` package. */
import cc from 'currency-codes'

/** Every code the package knows with its English name, e.g. ['GBP', 'Pound Sterling']. */
export function isoCurrencyNames(): readonly (readonly [string, string])[] {
  return cc.data.map((r) => [r.code, r.currency] as const)
}
