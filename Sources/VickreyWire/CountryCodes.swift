import VickreyCore

/// ISO 3166-1 country codes: OpenRTB sends alpha-3 (`USA`), campaigns target alpha-2
/// (`US`). The table holds every officially assigned code (249, from the ISO 3166-1
/// list), packed as alpha-3 followed by alpha-2.
public enum CountryCodes {
    private static let packed: [String] = [
        "ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF ATGAG AUSAU AUTAT",
        "AZEAZ BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS BIHBA BLMBL BLRBY BLZBZ BMUBM BOLBO",
        "BRABR BRBBB BRNBN BTNBT BVTBV BWABW CAFCF CANCA CCKCC CHECH CHLCL CHNCN CIVCI CMRCM CODCD COGCG",
        "COKCK COLCO COMKM CPVCV CRICR CUBCU CUWCW CXRCX CYMKY CYPCY CZECZ DEUDE DJIDJ DMADM DNKDK DOMDO",
        "DZADZ ECUEC EGYEG ERIER ESHEH ESPES ESTEE ETHET FINFI FJIFJ FLKFK FRAFR FROFO FSMFM GABGA GBRGB",
        "GEOGE GGYGG GHAGH GIBGI GINGN GLPGP GMBGM GNBGW GNQGQ GRCGR GRDGD GRLGL GTMGT GUFGF GUMGU GUYGY",
        "HKGHK HMDHM HNDHN HRVHR HTIHT HUNHU IDNID IMNIM INDIN IOTIO IRLIE IRNIR IRQIQ ISLIS ISRIL ITAIT",
        "JAMJM JEYJE JORJO JPNJP KAZKZ KENKE KGZKG KHMKH KIRKI KNAKN KORKR KWTKW LAOLA LBNLB LBRLR LBYLY",
        "LCALC LIELI LKALK LSOLS LTULT LUXLU LVALV MACMO MAFMF MARMA MCOMC MDAMD MDGMG MDVMV MEXMX MHLMH",
        "MKDMK MLIML MLTMT MMRMM MNEME MNGMN MNPMP MOZMZ MRTMR MSRMS MTQMQ MUSMU MWIMW MYSMY MYTYT NAMNA",
        "NCLNC NERNE NFKNF NGANG NICNI NIUNU NLDNL NORNO NPLNP NRUNR NZLNZ OMNOM PAKPK PANPA PCNPN PERPE",
        "PHLPH PLWPW PNGPG POLPL PRIPR PRKKP PRTPT PRYPY PSEPS PYFPF QATQA REURE ROURO RUSRU RWARW SAUSA",
        "SDNSD SENSN SGPSG SGSGS SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM SRBRS SSDSS STPST SURSR",
        "SVKSK SVNSI SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK TKMTM TLSTL TONTO",
        "TTOTT TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY USAUS UZBUZ VATVA VCTVC VENVE VGBVG",
        "VIRVI VNMVN VUTVU WLFWF WSMWS YEMYE ZAFZA ZMBZM ZWEZW",
    ]

    private static let alpha2ByAlpha3: [String: String] = {
        var table: [String: String] = [:]
        for line in packed {
            for entry in line.split(separator: " ") {
                table[String(entry.prefix(3))] = String(entry.suffix(2))
            }
        }
        return table
    }()

    private static let alpha3ByAlpha2: [String: String] = {
        var table: [String: String] = [:]
        for (alpha3, alpha2) in alpha2ByAlpha3 where table[alpha2] == nil || alpha3 < table[alpha2]! { table[alpha2] = alpha3 }
        return table
    }()

    /// The alpha-3 code of a country (as OpenRTB writes it), if known.
    public static func alpha3(for country: CountryCode) -> String? { alpha3ByAlpha2[country.rawValue] }

    /// The alpha-2 code for an alpha-3 code (any case); a two-letter code is taken as it
    /// is (upper-cased); nil for anything else or an unknown alpha-3 code. Only ASCII
    /// letters count (so no upper-casing can turn another script into a code).
    public static func country(_ code: String) -> CountryCode? {
        guard code.utf8.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else { return nil }
        let upper = code.uppercased()
        switch upper.utf8.count {
        case 3: return alpha2ByAlpha3[upper].flatMap(CountryCode.init)
        case 2: return CountryCode(upper)
        default: return nil
        }
    }

    /// A regular expression (ECMA 262, for the OpenAPI document) matching exactly the
    /// texts `country(_:)` accepts: two ASCII letters, or an assigned alpha-3 code, in any case.
    public static let pattern: String = {
        let alpha3 = alpha2ByAlpha3.keys.sorted().map { code in
            code.map { "[\($0)\($0.lowercased())]" }.joined()
        }
        return "^([A-Za-z]{2}|" + alpha3.joined(separator: "|") + ")$"
    }()
}
