// Country facts for the synthetic chat data, from the countries-list package (MIT): ~240
// countries and territories × capital, continent, currency and main language — few enough that
// a small model can memorize them. Territories that are part of another country, and places
// without a capital, are left out so every fact has an unambiguous answer.

import { continents, countries, languages } from "countries-list";
import { currencies } from "countries-list/currencies";

export interface CountryFacts {
  country: string;
  capital: string;
  continent: string;
  /** English name of the first listed currency, e.g. "Japanese Yen". */
  currency: string;
  /** English name of the first listed language. */
  language: string;
}

export type FactRelation = "capital" | "continent" | "currency" | "language";
export const FACT_RELATIONS: readonly FactRelation[] = ["capital", "continent", "currency", "language"];

/**
 * The countries the question-answering data asks about: 40 well-known ones × 4 relations = 160
 * facts, which the embedded model sees dozens of times each in its hour of training. (Tool-call
 * data uses the capitals of every country as city names.)
 */
export const QA_COUNTRY_CODES: readonly string[] = [
  "US", "CA", "MX", "BR", "AR", "CL", "PE", "CO", "GB", "IE", "FR", "DE", "IT", "ES", "PT", "NL", "BE", "CH", "AT", "SE",
  "NO", "DK", "FI", "PL", "GR", "RU", "UA", "TR", "EG", "NG", "KE", "ZA", "MA", "CN", "JP", "KR", "IN", "TH", "AU", "NZ",
];

function build(codes?: readonly string[]): CountryFacts[] {
  const out: CountryFacts[] = [];
  const entries = Object.entries(countries).filter(([code]) => !codes || codes.includes(code));
  for (const [, c] of entries) {
    if ("partOf" in c && c.partOf) continue;
    const currency = currencies[c.currency[0] as keyof typeof currencies]?.name;
    const language = languages[c.languages[0] as keyof typeof languages]?.name;
    if (!c.capital || !currency || !language) continue;
    out.push({ country: c.name, capital: c.capital, continent: continents[c.continent], currency, language });
  }
  return out.sort((a, b) => (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
}

export const COUNTRY_FACTS: readonly CountryFacts[] = build();
export const QA_COUNTRY_FACTS: readonly CountryFacts[] = build(QA_COUNTRY_CODES);
