/** plotly.js v4.1.1 locale nl (dist/plotly-locale-nl.js, MIT license), then ours */
var locale={moduleType:"locale",name:"nl",dictionary:{Autoscale:"Automatische schaal","Click to enter Colorscale title":"Klik om kleurenschaal titel in te vullen","Click to enter Component A title":"Klik om Component A titel in te vullen","Click to enter Component B title":"Klik om Component B titel in te vullen","Click to enter Component C title":"Klik om Component C titel in te vullen","Click to enter Plot title":"Klik om Plot titel in te vullen","Click to enter X axis title":"Klik om x-as titel in te vullen","Click to enter Y axis title":"Klik om y-as titel in te vullen","Click to enter radial axis title":"Klik om radiaal-as titel in te vullen","Double-click to zoom back out":"Zoom uit door te dubbel klikken","Download plot as a PNG":"Dowload de plot als een PNG-bestand","Download plot":"Download de plot","Draw circle":"Teken cirkel","Draw closed freeform":"Teken gesloten vorm","Draw line":"Teken lijn","Draw open freeform":"Teken open vorm","Draw rectangle":"Teken rechthoek","Edit in Chart Studio":"In Chart Studio wijzigen","Erase active shape":"Wis huidige vorm","IE only supports svg. Changing format to svg.":"IE ondersteunt alleen svg bestanden. Formaat gewijzigd naar svg.","Lasso Select":"Lasso selectie","Produced with Plotly.js":"Gemaakt met Plotly.js",Zoom:"Inzoomen","max:":"maximum:","mean \xb1 \u03c3:":"gemiddelde \xb1 \u03c3:","mean:":"gemiddelde:","min:":"minimum:","new text":"nieuwe tekst","open:":"openen:","high:":"hoog:","low:":"laag:","source:":"bron:","target:":"doel:"},format:{days:["zondag","maandag","dinsdag","woensdag","donderdag","vrijdag","zaterdag"],shortDays:["zo","ma","di","wo","do","vr","za"],months:["januari","februari","maart","april","mei","juni","juli","augustus","september","oktober","november","december"],shortMonths:["jan","feb","mrt","apr","mei","jun","jul","aug","sep","okt","nov","dec"],date:"%d-%m-%Y",decimal:",",thousands:".",year:"%Y",month:"%b %Y",dayMonth:"%-d %b",dayMonthYear:"%-d %b %Y"}};"undefined"==typeof Plotly?(window.PlotlyLocales=window.PlotlyLocales||[],window.PlotlyLocales.push(locale)):Plotly.register(locale);
(function (ours) {
    if (typeof Plotly === 'undefined') {
        (window.PlotlyLocales = window.PlotlyLocales || []).push(ours);
    } else {
        Plotly.register(ours);
    }
})({
 "moduleType": "locale",
 "name": "nl",
 "dictionary": {
  "Autoscale": "Automatisch schalen",
  "Box Select": "Rechthoek selecteren",
  "Compare data on hover": "Gegevens vergelijken bij aanwijzen",
  "Double-click on legend to isolate one trace": "Dubbelklik op de legenda om één reeks apart te tonen",
  "Double-click to zoom back out": "Dubbelklik om weer uit te zoomen",
  "Download plot": "Grafiek downloaden",
  "Download plot as a PNG": "Grafiek downloaden als PNG",
  "Image download succeeded": "Afbeelding gedownload",
  "Lasso Select": "Lasso-selectie",
  "Pan": "Verschuiven",
  "Preparing image - this may take a few seconds": "Afbeelding wordt gemaakt; dit kan enkele seconden duren",
  "Reset": "Herstellen",
  "Reset axes": "Assen herstellen",
  "Reset view": "Beginweergave herstellen",
  "Reset views": "Beginweergaven herstellen",
  "Show closest data on hover": "Dichtstbijzijnde gegevens tonen bij aanwijzen",
  "Sorry, there was a problem downloading your image!": "Het downloaden van de afbeelding is mislukt.",
  "Toggle Spike Lines": "Hulplijnen aan/uit",
  "Toggle show closest data on hover": "Dichtstbijzijnde gegevens bij aanwijzen aan/uit",
  "Zoom": "Zoomen",
  "Zoom in": "Inzoomen",
  "Zoom out": "Uitzoomen"
 }
});
