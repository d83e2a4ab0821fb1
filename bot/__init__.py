"""The Teams edge: everything that imports botbuilder lives here."""
