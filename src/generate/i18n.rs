//! Messages in Spanish, German and French. Each language has pools per gold label, so the
//! label of a non-English lead follows from what the message says, as it would in English.

use super::names::Locale;
use super::phrases::Pool;
use crate::lead::Label;

/// The phrase pools of one language.
pub(crate) struct Language {
    pub(crate) greetings: Pool,
    pub(crate) high: Pool,
    pub(crate) medium: Pool,
    pub(crate) low: Pool,
    pub(crate) asks: Pool,
    pub(crate) signoffs: Pool,
}

impl Language {
    pub(crate) fn body(&self, label: Label) -> Pool {
        match label {
            Label::High => self.high,
            Label::Medium => self.medium,
            Label::Low => self.low,
        }
    }
}

#[rustfmt::skip]
const ES: Language = Language {
    greetings: &[
        "Hola,", "Buenos días,", "Buenas tardes,", "Estimado equipo,", "Hola equipo,",
    ],
    high: &[
        "Somos {co} y necesitamos una plataforma para {seats} usuarios antes de fin de trimestre.",
        "Tenemos presupuesto aprobado para este año y queremos firmar pronto.",
        "Estamos comparando tres proveedores y ustedes están en la lista corta.",
        "Necesitamos SSO, cumplimiento con el RGPD y un acuerdo de nivel de servicio.",
        "Queremos sustituir nuestro sistema actual en todas nuestras oficinas de España y México.",
        "El proyecto ya está aprobado por dirección y el despliegue empieza el mes que viene.",
        "Procesamos miles de pedidos al día y buscamos una solución para producción.",
    ],
    medium: &[
        "Estamos empezando a buscar opciones, todavía no hay nada decidido.",
        "Me gustaría entender cómo funciona su producto para un equipo pequeño.",
        "Quizás lo necesitemos más adelante este año.",
        "Somos una empresa pequeña y estamos explorando herramientas.",
        "Un compañero me habló de ustedes y tengo curiosidad.",
        "¿Tienen casos de uso parecidos al nuestro?",
    ],
    low: &[
        "Soy estudiante y estoy haciendo un trabajo para la universidad.",
        "Es para un proyecto personal, nada comercial.", "¿Tienen alguna versión gratuita?",
        "Busco trabajo y me gustaría enviarles mi currículum.", "Solo quería información general.",
        "Estoy aprendiendo a programar y me pareció interesante.",
    ],
    asks: &[
        "¿Podemos agendar una demo la próxima semana?", "¿Me pueden enviar precios?",
        "Quedo atento a su respuesta.", "¿Con quién puedo hablar?",
    ],
    signoffs: &[
        "Saludos, {first}", "Gracias, {first}", "Un saludo,", "Atentamente, {first} {last}",
    ],
};

#[rustfmt::skip]
const DE: Language = Language {
    greetings: &[
        "Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,", "Hallo zusammen,", "Moin,",
    ],
    high: &[
        "Wir bei {co} suchen eine Lösung für {seats} Mitarbeitende und wollen noch in diesem Quartal entscheiden.",
        "Das Budget ist freigegeben und der Einkauf ist bereits eingebunden.",
        "Wir vergleichen gerade drei Anbieter, Sie sind in der engeren Auswahl.",
        "Wir brauchen SSO, DSGVO-Konformität und Datenhaltung in Deutschland.",
        "Unser bisheriges System läuft zum Jahresende aus, wir brauchen schnell Ersatz.",
        "Der Rollout soll an allen Standorten gleichzeitig erfolgen.",
        "Die Geschäftsführung hat das Projekt genehmigt, Start ist im nächsten Monat.",
    ],
    medium: &[
        "Wir schauen uns gerade verschiedene Optionen an, entschieden ist noch nichts.",
        "Mich würde interessieren, wie Ihr Produkt für ein kleines Team funktioniert.",
        "Vielleicht wird das für uns später im Jahr relevant.",
        "Wir sind ein kleines Unternehmen und informieren uns erst einmal.",
        "Ein Kollege hat Sie empfohlen, daher wollte ich mehr erfahren.",
        "Gibt es Beispiele von Kunden in unserer Branche?",
    ],
    low: &[
        "Ich bin Student und schreibe eine Hausarbeit über Software im Mittelstand.",
        "Das ist nur für ein privates Projekt.", "Gibt es eine kostenlose Version?",
        "Ich suche eine neue Stelle und würde mich gerne bewerben.",
        "Ich wollte nur allgemeine Informationen.",
        "Ich lerne gerade programmieren und fand das spannend.",
    ],
    asks: &[
        "Können wir nächste Woche einen Termin für eine Demo vereinbaren?",
        "Könnten Sie mir eine Preisliste schicken?", "Ich freue mich auf Ihre Rückmeldung.",
        "Wer ist bei Ihnen der richtige Ansprechpartner?",
    ],
    signoffs: &[
        "Viele Grüße, {first}", "Beste Grüße, {first} {last}",
        "Mit freundlichen Grüßen, {first} {last}", "Danke und Gruß",
    ],
};

#[rustfmt::skip]
const FR: Language = Language {
    greetings: &[
        "Bonjour,", "Bonjour à tous,", "Madame, Monsieur,", "Bonsoir,", "Salut,",
    ],
    high: &[
        "Chez {co}, nous cherchons une plateforme pour {seats} utilisateurs avec un démarrage le mois prochain.",
        "Le budget est validé pour cette année et les achats sont déjà impliqués.",
        "Nous comparons trois fournisseurs et vous faites partie de la liste restreinte.",
        "Nous avons besoin du SSO, de la conformité RGPD et d'un hébergement en Europe.",
        "Notre contrat actuel se termine en fin d'année, il nous faut une alternative rapidement.",
        "Le déploiement concernera toutes nos filiales.",
        "La direction a approuvé le projet et nous voulons signer ce trimestre.",
    ],
    medium: &[
        "Nous commençons à regarder les options, rien n'est encore décidé.",
        "J'aimerais comprendre comment votre produit fonctionne pour une petite équipe.",
        "Cela pourrait nous intéresser plus tard dans l'année.",
        "Nous sommes une petite entreprise et nous nous renseignons.",
        "Un collègue m'a parlé de vous et je suis curieux.",
        "Avez-vous des clients dans notre secteur ?",
    ],
    low: &[
        "Je suis étudiant et je prépare un mémoire sur les outils numériques.",
        "C'est pour un projet personnel, rien de commercial.", "Existe-t-il une version gratuite ?",
        "Je cherche un emploi et je voudrais vous envoyer mon CV.",
        "Je voulais simplement des informations générales.",
        "J'apprends à coder et votre outil m'a semblé intéressant.",
    ],
    asks: &[
        "Pouvons-nous organiser une démo la semaine prochaine ?",
        "Pourriez-vous m'envoyer vos tarifs ?", "Dans l'attente de votre retour.",
        "Qui est le bon interlocuteur chez vous ?",
    ],
    signoffs: &[
        "Cordialement, {first}", "Bien à vous, {first} {last}", "Merci d'avance, {first}",
        "Bonne journée,",
    ],
};

/// The pools of a non-English locale (`None` for English).
pub(crate) fn language(locale: Locale) -> Option<&'static Language> {
    match locale {
        Locale::En => None,
        Locale::Es => Some(&ES),
        Locale::De => Some(&DE),
        Locale::Fr => Some(&FR),
    }
}
