"""Short explanations of every measure, shown where it first appears and collected at the end."""

from __future__ import annotations

TERMS: dict[str, tuple[str, str]] = {
    "theil_h": ("Theils H (informationsindex)",
                "Hur ojämnt elevgrupperna är fördelade mellan skolorna, från 0 (alla skolor har samma "
                "sammansättning som helheten) till 1 (varje skola har bara en grupp). H = M / E."),
    "mutual_information": ("Ömsesidig information M",
                           "Samma mått som H men utan att delas med gruppblandningen E; M kan delas upp exakt på "
                           "skolor och på grupper av skolor, och förändringar av M kan delas upp på orsaker."),
    "dissimilarity": ("Skillnadsindex D",
                      "Andelen elever som skulle behöva byta skola för att alla skolor skulle få samma "
                      "sammansättning (0–1)."),
    "normalized_exposure": ("Normaliserad exponering",
                            "Hur mycket mer en elev möter elever ur den egna gruppen än om eleverna vore "
                            "slumpvis fördelade (0–1)."),
    "interval": ("Osäkerhetsintervall",
                 "Det intervall som måttet med angiven sannolikhet (här 90 %) ligger inom om man tar hänsyn "
                 "till slumpen i vilka elever som råkar gå på skolorna (bootstrap) eller i modellens skattning."),
    "baseline": ("Slumpnivå",
                 "Vad måttet blir om samma elever fördelades helt slumpmässigt på skolor av samma storlek; "
                 "små skolor ger en viss segregation även utan något mönster."),
    "decomposition": ("Uppdelning mellan och inom",
                      "M delas exakt i en del mellan grupper av skolor (t.ex. kommunala och fristående) och en "
                      "del inom grupperna."),
    "change": ("Uppdelning av förändringen (Elbers 2023)",
               "Förändringen av M mellan två läsår delas upp i ändrad total sammansättning, ändrade "
               "skolstorlekar, nya och nedlagda skolor, och strukturell förändring (vilka elever som går var). "
               "Delarna summerar till hela förändringen."),
    "local_score": ("Skolans bidrag (lokalt bidrag L)",
                    "Hur mycket en skolas sammansättning avviker från helhetens, vägt med skolans storlek; "
                    "bidragen summerar till 100 % av M."),
    "residential": ("Boendesegregation och skolval",
                    "Segregationen om varje elev gick i närmaste skola med elevens årskurs, jämförd med den "
                    "faktiska; skillnaden är vad skolvalet lägger till."),
    "similar": ("Liknande kommuner",
                "De sju kommuner som mest liknar kommunen i andel elever med eftergymnasialt utbildade föräldrar, "
                "andel barn i ekonomiskt utsatta hushåll (Kolada) och antal elever."),
    "salsa": ("SALSA",
              "Skolverkets modell för vilket meritvärde en skola kan väntas få givet elevernas bakgrund "
              "(föräldrarnas utbildning, andel pojkar, andel nyanlända); avvikelsen är faktiskt minus förväntat."),
    "expected_own": ("Likvärds förväntade resultat",
                     "Förväntat meritvärde ur skolans elevsammansättning, skattat på landets alla andra skolor "
                     "samma läsår (korsanpassning), med osäkerhet; en skola är tydligt över eller under när hela "
                     "intervallet ligger på samma sida om noll."),
    "school_effect": ("Skoleffekt",
                      "Hur mycket högre eller lägre meritvärde en skolas elever får än deras egen bakgrund och "
                      "skolans sammansättning ger anledning att vänta, sammanvägt över alla läsår; små skolor dras "
                      "mot genomsnittet (empirisk Bayes)."),
    "icc": ("Andel av variationen mellan skolor",
            "Hur stor del av skillnaderna i meritvärde som ligger mellan skolor snarare än mellan elever i samma skola."),
    "merit_value": ("Meritvärde",
                    "Summan av betygen i årskurs 9 (de 16 eller 17 bästa ämnena), 0–340."),
    "eligible": ("Behörighet", "Andelen elever i årskurs 9 som är behöriga till ett yrkesprogram på gymnasiet."),
    "need_index": ("Behovsindex",
                   "Skolans genomsnittliga risk att eleverna inte blir behöriga till gymnasiet, givet elevernas "
                   "bakgrund, skalad så att genomsnittet är 100: 150 betyder 50 % större risk än genomsnittet."),
    "weak": ("Svag indikator",
             "En indikator där skolan hör till den sämsta fjärdedelen av skolorna (för behov: den högsta fjärdedelen)."),
    "suppressed": ("..", "Uppgiften bygger på färre än 10 elever, eller kunde räknas fram ur andra uppgifter, och "
                         "visas därför inte (Skolverkets praxis)."),
}
"""key -> (term, explanation)."""


def explain(key: str) -> str:
    """``Term: explanation.`` for the first mention of a measure."""
    term, text = TERMS[key]
    return f"{term}: {text}"
