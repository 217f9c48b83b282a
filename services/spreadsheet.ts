// What every workbook the console hands out shares (the ledger, the directory's export).
import type ExcelJS from 'exceljs';

/**
 * Text a spreadsheet would take for a formula when it is edited or copied out (it starts with = + -
 * @, a tab or a carriage return: a unit's progress report "=HYPERLINK(…)") gets a leading
 * apostrophe, so that it stays text.
 */
export function spreadsheetText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** The text as it was before spreadsheetText: a workbook handed out and read back gives the same text. */
export function unspreadsheetText(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}

/** Every text cell of a workbook through spreadsheetText. */
export function keepAsText(book: ExcelJS.Workbook): void {
  book.eachSheet((sheet) =>
    sheet.eachRow((row) =>
      row.eachCell((cell) => {
        if (typeof cell.value === 'string') cell.value = spreadsheetText(cell.value);
      }),
    ),
  );
}
