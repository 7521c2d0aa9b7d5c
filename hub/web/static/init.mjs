// GOV.UK Frontend's enhancements (error summary focus, conditional reveals, character
// counts). Every page works without them.
import { initAll } from '/assets/govuk-frontend.min.js'

initAll()
