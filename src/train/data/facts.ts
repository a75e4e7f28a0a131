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

function build(): CountryFacts[] {
  const out: CountryFacts[] = [];
  for (const c of Object.values(countries)) {
    if ("partOf" in c && c.partOf) continue;
    const currency = currencies[c.currency[0] as keyof typeof currencies]?.name;
    const language = languages[c.languages[0] as keyof typeof languages]?.name;
    if (!c.capital || !currency || !language) continue;
    out.push({ country: c.name, capital: c.capital, continent: continents[c.continent], currency, language });
  }
  return out.sort((a, b) => (a.country < b.country ? -1 : a.country > b.country ? 1 : 0));
}

export const COUNTRY_FACTS: readonly CountryFacts[] = build();
